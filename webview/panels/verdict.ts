/** Bias/variance card: human-level, train, dev (and test) error, avoidable bias, variance, remedies. */
import type { Verdict } from '../../src/shared/protocol';
import type { RunView } from '../../src/shared/run-view';
import { formatError } from '../../src/shared/series';
import { button, h, renderIfChanged } from '../dom';
import { post } from '../vscode';

const DIAGNOSIS: Record<Verdict['diagnosis'], { label: string; cls: string; hint: string }> = {
  highBias: { label: 'High bias', cls: 'diag-bias', hint: 'The model underfits: train error is far above human level.' },
  highVariance: { label: 'High variance', cls: 'diag-variance', hint: 'The model overfits: dev error is far above train error.' },
  highBiasAndVariance: { label: 'High bias and variance', cls: 'diag-both', hint: 'Underfits the training set and does not generalise either.' },
  fine: { label: 'Looks fine', cls: 'diag-fine', hint: 'Close to human level on train, and dev follows train.' },
};

const HUMAN_NOTE: Record<NonNullable<Verdict['humanLevelSource']>, string> = {
  given: 'proxy for Bayes error', bayes: 'Bayes error of the noise', assumed: 'assumed (not known)',
};

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The offer to write diagnostics.humanLevelError into the experiment (the host asks for the value). */
function setHumanLevelButton(source: 'bayes' | 'assumed'): HTMLElement {
  const b = button('secondary', {
    id: 'btn-set-human-level', title: 'Write diagnostics.humanLevelError into the experiment file (for its next runs)',
  }, h('span', { text: source === 'assumed' ? 'Set human-level error…' : 'Override…' }));
  b.addEventListener('click', () => post({ type: 'setHumanLevelError' }));
  return b;
}

export class VerdictPanel {
  readonly root = h('div', { id: 'verdict', cls: 'verdict' });

  update(view: RunView): void {
    const v = view.verdict;
    const test = view.tests[view.tests.length - 1];
    const regression = view.info?.task === 'regression';
    renderIfChanged(this.root, `${view.runId}|${v?.epoch}|${v?.devError}|${view.tests.length}`, () => {
      if (!v) return [h('p', { cls: 'empty', text: 'The bias/variance verdict appears after the first epoch.' })];
      this.root.dataset.diagnosis = v.diagnosis;
      const d = DIAGNOSIS[v.diagnosis];
      const f = (x: number): string => formatError(x, regression);
      const scale = Math.max(v.devError, v.trainError, v.humanLevelError, test?.error ?? 0, 1e-9);
      const bar = (label: string, value: number, cls: string, note?: string): HTMLElement => {
        const fill = h('div', { cls: `bar-fill ${cls}` });
        fill.style.setProperty('width', `${Math.max(0, Math.min(100, (value / scale) * 100)).toFixed(1)}%`);
        return h('div', { cls: 'bar-row' },
          h('span', { cls: 'bar-label', text: label }),
          h('div', { cls: 'bar-track' }, fill),
          h('span', { cls: 'bar-value num', text: f(value) }),
          note ? h('span', { cls: 'bar-note muted', text: note }) : null);
      };
      const gap = (label: string, value: number, big: boolean): HTMLElement =>
        h('div', { cls: big ? 'gap big' : 'gap' }, h('span', { cls: 'gap-label', text: label }), h('span', { cls: 'gap-value num', text: f(value) }));
      return [
        h('div', { cls: 'verdict-head' },
          h('span', { cls: `diagnosis ${d.cls}`, text: d.label }),
          h('span', { cls: 'muted', text: `epoch ${v.epoch}` })),
        h('p', { cls: 'verdict-hint', text: d.hint }),
        v.humanLevelNote ? h('p', { cls: v.humanLevelSource === 'assumed' ? 'verdict-note assumed' : 'verdict-note muted', text: capitalise(v.humanLevelNote) }) : null,
        v.humanLevelSource && v.humanLevelSource !== 'given' ? setHumanLevelButton(v.humanLevelSource) : null,
        h('div', { cls: 'bars' },
          bar('Human-level', v.humanLevelError, 'bar-human', HUMAN_NOTE[v.humanLevelSource ?? 'given']),
          bar('Train', v.trainError, 'bar-train', view.info?.trainEvalRows ? `${view.info.trainEvalRows.toLocaleString('en-US')}-row sample` : undefined),
          bar('Dev', v.devError, 'bar-dev'),
          test ? bar('Test', test.error, 'bar-test', `look ${test.looks}`) : null),
        h('div', { cls: 'gaps' },
          gap('Avoidable bias', v.avoidableBias, v.diagnosis === 'highBias' || v.diagnosis === 'highBiasAndVariance'),
          gap('Variance', v.variance, v.diagnosis === 'highVariance' || v.diagnosis === 'highBiasAndVariance')),
        v.remedies.length
          ? h('div', { cls: 'remedies' }, h('div', { cls: 'remedies-title', text: 'Try next' }),
            h('ul', {}, ...v.remedies.map((r) => h('li', { text: r }))))
          : null,
      ];
    });
  }
}
