/**
 * The trials table: one row per trial (★ best, name, round, state, every sampled value, metric,
 * epoch), sortable by any column (click the header; again to reverse), with per-trial actions:
 * pause, resume, kill, open the trial's dashboard, and promote a trial waiting at an ASHA rung.
 */
import type { TrialRecord } from '../../src/shared/search-protocol';
import {
  dimensionLabels, formatMetric, formatSearchValue, METRIC_LABEL, shownTrialState, type SearchView,
} from '../../src/shared/search-view';
import type { TrialCommand } from '../../src/shared/webview-protocol';
import { button, h, renderIfChanged, setText } from '../dom';
import { icon } from '../icons';
import { sortTrials, type Sort, type SortKey } from './sort';

export type { Sort, SortKey } from './sort';

export class TrialsTable {
  readonly root = h('div', { id: 'trials-table', cls: 'table-wrap search-table-wrap' });
  private sort: Sort;
  private selected: number | null = null;
  private readonly table = h('table', { cls: 'trials-table', attrs: { 'aria-label': 'Trials' } });
  private readonly head = h('thead');
  private readonly body = h('tbody');
  private view: SearchView | null = null;
  private readonly rows = new Map<number, Row>();
  private columnsKey = '';
  private emptyRow: HTMLElement | null = null;

  /** `sort`: the order the view had before it was closed or hidden. */
  constructor(private readonly onTrial: (command: TrialCommand, id: number) => void, private readonly onSort: () => void, sort: Sort | null = null) {
    this.sort = sort ?? { key: 'id', desc: false };
    this.table.append(this.head, this.body);
    this.root.append(this.table);
    this.head.addEventListener('click', (e) => {
      const th = (e.target as HTMLElement).closest<HTMLElement>('[data-sort]');
      if (!th) return;
      const key = th.dataset.sort as SortKey;
      this.sort = this.sort.key === key ? { key, desc: !this.sort.desc } : { key, desc: key === 'metric' ? this.view?.mode === 'max' : false };
      this.onSort();
    });
    this.body.addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
      if (b && !b.disabled) {
        this.onTrial(b.dataset.action as TrialCommand, Number(b.dataset.id));
        return;
      }
      const row = (e.target as HTMLElement).closest<HTMLElement>('tr[data-trial-id]');
      if (row) this.select(Number(row.dataset.trialId), false);
    });
    this.body.addEventListener('dblclick', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('tr[data-trial-id]');
      if (row && row.dataset.hasRun === '1') this.onTrial('openDashboard', Number(row.dataset.trialId));
    });
  }

  get sortState(): Sort {
    return this.sort;
  }

  /** Marks a trial's row (a click on its point in a scatter) and scrolls it into view. */
  select(id: number, scroll = true): void {
    this.selected = id;
    for (const [rid, row] of this.rows) {
      const on = rid === id;
      row.tr.classList.toggle('selected', on);
      if (on) row.tr.setAttribute('aria-selected', 'true');
      else row.tr.removeAttribute('aria-selected');
      row.key = '';
      if (on && scroll) {
        row.tr.scrollIntoView({ block: 'nearest' });
        row.tr.classList.remove('flash');
        void row.tr.offsetWidth;
        row.tr.classList.add('flash');
      }
    }
  }

  render(view: SearchView): void {
    this.view = view;
    const labels = dimensionLabels(view.space);
    const headKey = `${view.space.map((d) => d.path).join('|')}|${view.metric}|${this.sort.key}|${this.sort.desc}`;
    const columnsKey = `${view.space.map((d) => `${d.path}:${d.scale}`).join('|')}|${view.metric}`;
    if (columnsKey !== this.columnsKey) {
      // Other columns: every row is built again.
      this.columnsKey = columnsKey;
      this.rows.clear();
      this.body.replaceChildren();
    }
    renderIfChanged(this.head, headKey, () => {
      const th = (key: SortKey, text: string, cls = '', title?: string): HTMLElement => {
        const active = this.sort.key === key;
        return h('th', {
          cls: `${cls} sortable${active ? ' sorted' : ''}`.trim(), title: title ?? `Sort by ${text}`,
          attrs: { 'data-sort': key, 'aria-sort': active ? (this.sort.desc ? 'descending' : 'ascending') : 'none', scope: 'col' },
        }, h('span', { text }), h('span', { cls: 'sort-arrow', text: active ? (this.sort.desc ? '▼' : '▲') : '' }));
      };
      return [h('tr', {},
        th('id', 'Trial'),
        th('round', 'Round', 'num'),
        th('state', 'State'),
        ...view.space.map((d, i) => th(`dim:${d.path}`, labels[i], d.scale === 'choice' ? '' : 'num', `${d.path} (${d.scale}) — sort`)),
        th('metric', METRIC_LABEL[view.metric], 'num'),
        th('epoch', 'Epoch', 'num'),
        h('th', { cls: 'actions-col', text: 'Actions', attrs: { scope: 'col' } }))];
    });
    const sorted = sortTrials(view, view.trials, this.sort);
    if (!sorted.length) {
      if (!this.emptyRow) {
        this.emptyRow = h('tr', {}, h('td', { cls: 'empty', text: 'No trials yet.', attrs: { colspan: view.space.length + 6 } }));
        this.body.replaceChildren(this.emptyRow);
      }
      return;
    }
    if (this.emptyRow) {
      this.emptyRow.remove();
      this.emptyRow = null;
    }
    // Rows are kept per trial and only their changed cells are touched: a button under the
    // pointer stays the same element while the trial trains (a click is never lost to a redraw).
    const seen = new Set<number>();
    let previous: HTMLElement | null = null;
    for (const t of sorted) {
      seen.add(t.id);
      let row = this.rows.get(t.id);
      if (!row) {
        row = this.buildRow(view, t);
        this.rows.set(t.id, row);
      }
      this.updateRow(row, view, t);
      const expected: ChildNode | null = previous ? previous.nextSibling : this.body.firstChild;
      if (expected !== row.tr) this.body.insertBefore(row.tr, expected);
      previous = row.tr;
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.tr.remove();
        this.rows.delete(id);
      }
    }
  }

  private buildRow(view: SearchView, t: TrialRecord): Row {
    const act = (action: TrialCommand, label: string, ic: SVGElement): HTMLButtonElement =>
      button('icon', { title: `${label} ${t.name}`, attrs: { 'data-action': action, 'data-id': t.id, 'aria-label': `${label} ${t.name}` } }, ic);
    const pause = act('pause', 'Pause', icon('pause'));
    const resume = act('resume', 'Resume', icon('play'));
    const promote = act('promote', 'Promote', icon('promote'));
    const kill = act('kill', 'Kill', icon('kill'));
    const dashboard = act('openDashboard', 'Open the dashboard of', icon('dashboard'));
    const star = h('span', { cls: 'best-star none', title: 'Best trial so far', text: '★' });
    const name = h('span', { text: t.name });
    const badge = h('span', { cls: 'state-badge small' });
    const note = h('span', { cls: 'trial-note' });
    const values = view.space.map((d) => h('td', { cls: d.scale === 'choice' ? 'value' : 'num value' }));
    const metric = h('td', { cls: 'num metric-cell' });
    const epochText = h('span');
    const fill = h('span', { cls: 'epoch-fill' });
    const tr = h('tr', { attrs: { 'data-trial-id': t.id } },
      h('td', {}, h('div', { cls: 'trial-name' }, star, name)),
      h('td', { cls: 'num', text: String(t.round + 1) }),
      h('td', {}, badge, note),
      ...values,
      metric,
      h('td', { cls: 'num epoch-cell' }, epochText, h('span', { cls: 'epoch-bar', attrs: { 'aria-hidden': 'true' } }, fill)),
      h('td', { cls: 'actions' }, h('div', { cls: 'row-actions' }, pause, resume, promote, kill, dashboard)));
    return { tr, key: '', star, name, badge, note, values, metric, epochText, fill, pause, resume, promote, kill, dashboard };
  }

  private updateRow(row: Row, view: SearchView, t: TrialRecord): void {
    const state = shownTrialState(view, t);
    const best = view.bestTrial === t.id;
    const selected = this.selected === t.id;
    const key = `${state}|${best}|${selected}|${view.live}|${t.metric}|${t.metricName}|${t.epoch}|${t.epochs}|${t.runDir}|${t.note ?? ''}|${t.error ?? ''}|${t.pausedAtRung ?? ''}`;
    if (row.key === key) return;
    row.key = key;
    const { tr } = row;
    tr.dataset.state = state;
    tr.dataset.hasRun = t.runDir ? '1' : '0';
    tr.classList.toggle('best', best);
    tr.classList.toggle('selected', selected);
    if (selected) tr.setAttribute('aria-selected', 'true');
    else tr.removeAttribute('aria-selected');
    row.star.classList.toggle('none', !best);
    row.name.title = t.runDir ?? 'not started yet';
    // Waiting at an ASHA rung: paused by the search, promoted when it makes the rung's top (or by hand).
    const rung = state === 'paused' && t.pausedAtRung !== undefined ? t.pausedAtRung : null;
    setText(row.badge, rung === null ? state : `paused · rung ${rung + 1}`);
    row.badge.dataset.state = state;
    if (rung === null) delete tr.dataset.rung;
    else tr.dataset.rung = String(rung);
    const note = t.error ?? t.note;
    row.note.replaceChildren(...(note ? [icon(t.error ? 'error' : 'info', `icon ${t.error ? 'sev-error' : 'sev-info'}`)] : []));
    row.note.title = note ?? '';
    row.note.hidden = !note;
    view.space.forEach((d, i) => {
      const v = t.values[d.path];
      setText(row.values[i], formatSearchValue(d, v));
      row.values[i].title = String(v ?? '');
    });
    setText(row.metric, formatMetric(t.metricName, t.metric));
    row.metric.title = t.metricName !== view.metric ? `${METRIC_LABEL[t.metricName]} (no dev set)` : '';
    setText(row.epochText, `${t.epoch}/${t.epochs}`);
    row.fill.style.setProperty('width', `${((t.epochs > 0 ? Math.min(1, t.epoch / t.epochs) : 0) * 100).toFixed(1)}%`);
    const live = view.live;
    const active = state === 'running' || state === 'paused' || state === 'queued';
    row.pause.hidden = state === 'paused';
    row.resume.hidden = state !== 'paused' || rung !== null;
    row.promote.hidden = rung === null;
    row.promote.disabled = !(live && rung !== null);
    const promoteLabel = rung === null ? `Promote ${t.name}` : `Promote ${t.name} past rung ${rung + 1}: it goes on from its checkpoint`;
    row.promote.title = promoteLabel;
    row.promote.setAttribute('aria-label', promoteLabel);
    row.pause.disabled = !(live && (state === 'running' || state === 'queued'));
    const pauseLabel = `${state === 'queued' ? 'Hold' : 'Pause'} ${t.name}`;
    row.pause.title = pauseLabel;
    row.pause.setAttribute('aria-label', pauseLabel);
    row.resume.disabled = !(live && state === 'paused');
    row.kill.disabled = !(live && active);
    row.dashboard.disabled = !t.runDir;
  }
}

interface Row {
  tr: HTMLElement;
  key: string;
  star: HTMLElement;
  name: HTMLElement;
  badge: HTMLElement;
  note: HTMLElement;
  values: HTMLElement[];
  metric: HTMLElement;
  epochText: HTMLElement;
  fill: HTMLElement;
  pause: HTMLButtonElement;
  resume: HTMLButtonElement;
  promote: HTMLButtonElement;
  kill: HTMLButtonElement;
  dashboard: HTMLButtonElement;
}
