/** Gradient-check report: per-tensor difference with coloured bands, worst entries, sampling note. */
import type { GradBand, GradCheckReport } from '../../src/shared/protocol';
import type { RunView } from '../../src/shared/run-view';
import { formatNumber } from '../../src/shared/series';
import { h, renderIfChanged } from '../dom';

export const BAND_LABEL: Record<GradBand, string> = {
  correct: 'correct', lookCloser: 'look closer', suspicious: 'suspicious', bug: 'bug', inconclusive: 'inconclusive',
};

const BAND_RANGE: Record<GradBand, string> = {
  correct: '< 1e-7', lookCloser: '< 1e-5', suspicious: '< 1e-3', bug: '≥ 1e-3', inconclusive: 'at rounding noise',
};

export function bandChip(band: GradBand): HTMLElement {
  return h('span', { cls: `band band-${band}`, text: BAND_LABEL[band], title: `difference ${BAND_RANGE[band]}` });
}

function sci(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2).replace('e+', 'e') : formatNumber(x);
}

export class GradCheckPanel {
  readonly root = h('div', { id: 'gradcheck', cls: 'gradcheck' });

  update(view: RunView): void {
    const reports = view.gradientChecks;
    const r = reports[reports.length - 1];
    renderIfChanged(this.root, `${view.runId}|${reports.length}|${r?.id ?? ''}`, () => {
      if (!r) {
        return [h('p', { cls: 'empty', text: 'No gradient check yet. “Gradient check” compares backprop with two-sided numerical gradients (float64) on a fixed batch, without changing the run.' })];
      }
      this.root.dataset.band = r.band;
      this.root.dataset.report = r.id;
      return render(r, reports.length);
    });
  }
}

function render(r: GradCheckReport, count: number): HTMLElement[] {
  const summary = h('div', { cls: 'gc-summary' },
    bandChip(r.band),
    h('span', { cls: 'gc-diff num', text: sci(r.difference) }),
    h('span', { cls: 'muted', text: `overall · ε ${sci(r.epsilon)} · batch ${r.batchSize} · iteration ${r.iteration} · ${r.dtype} · ${r.seconds.toFixed(2)} s${count > 1 ? ` · check ${count} of ${count}` : ''}` }));
  const table = h('table', { cls: 'gc-table' });
  table.append(h('thead', {}, h('tr', {},
    h('th', { text: 'Layer' }), h('th', { text: 'Tensor' }), h('th', { text: 'Shape' }), h('th', { text: 'Checked' }),
    h('th', { cls: 'num', text: 'Difference' }), h('th', { text: 'Band' }), h('th', { cls: 'num', text: 'Kinks' }), h('th', { text: 'Worst entries' }))));
  const body = h('tbody');
  for (const t of r.tensors) {
    const sampled = t.checked < t.total;
    const worst = t.worst.length
      ? h('details', { cls: 'worst', attrs: { open: t.band === 'bug' } },
        h('summary', { text: `${t.worst.length} worst` }),
        h('table', { cls: 'worst-table' },
          h('thead', {}, h('tr', {}, h('th', { text: 'index' }), h('th', { cls: 'num', text: 'analytic' }), h('th', { cls: 'num', text: 'numeric' }), h('th', { cls: 'num', text: 'rel. diff' }))),
          h('tbody', {}, ...t.worst.map((w) => h('tr', {},
            h('td', { cls: 'mono', text: `[${w.index.join(', ')}]` }),
            h('td', { cls: 'num', text: formatNumber(w.analytic, 4) }),
            h('td', { cls: 'num', text: formatNumber(w.numeric, 4) }),
            h('td', { cls: 'num', text: sci(w.difference) }))))))
      : h('span', { cls: 'muted', text: '—' });
    body.append(h('tr', { cls: `band-row-${t.band}`, attrs: { 'data-band': t.band } },
      h('td', { text: t.layer }),
      h('td', { cls: 'mono', text: t.tensor }),
      h('td', { cls: 'mono', text: `${t.shape[0]}×${t.shape[1]}` }),
      h('td', { text: sampled ? `${t.checked} of ${t.total} (sampled)` : `${t.checked} of ${t.total}` }),
      h('td', { cls: 'num', text: sci(t.difference) }),
      h('td', {}, bandChip(t.band), t.reason ? h('div', { cls: 'gc-reason muted', text: t.reason }) : null),
      h('td', { cls: 'num', attrs: { 'data-kinks': String(t.kinks ?? 0) }, text: String(t.kinks ?? 0), title: 'entries whose θ ± ε straddles a ReLU/L1 kink, left out of the difference' }),
      h('td', {}, worst)));
  }
  table.append(body);
  const notes = [...r.notes];
  if (r.regularization.l2 || r.regularization.l1) {
    const reg = `Regularisation included (L2 λ ${r.regularization.l2}, L1 λ ${r.regularization.l1}).`;
    if (!notes.some((n) => /regulari[sz]ation/i.test(n))) notes.push(reg);
  }
  const checked = r.tensors.reduce((a, t) => a + t.checked, 0);
  const total = r.tensors.reduce((a, t) => a + t.total, 0);
  notes.unshift(`Checked ${checked} of ${total} parameters${checked < total ? ' (large tensors sampled, seeded)' : ''}.`);
  const legend = h('div', { cls: 'band-legend' },
    ...(['correct', 'lookCloser', 'suspicious', 'bug', 'inconclusive'] as GradBand[]).map((b) =>
      h('span', { cls: 'legend-item' }, bandChip(b), h('span', { cls: 'muted', text: ` ${BAND_RANGE[b]}` }))));
  return [summary, h('div', { cls: 'table-wrap' }, table), h('ul', { cls: 'notes' }, ...notes.map((n) => h('li', { text: n }))), legend];
}
