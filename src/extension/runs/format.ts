/** Text shown for a run in the tree, the status bar and tooltips. Pure. */
import type { RunState } from '../../shared/protocol';
import type { RunView } from '../../shared/run-view';
import { lastCost } from '../../shared/series';
import { costReadout, costTooltip } from '../../shared/readout';
import { runLabel } from '../../shared/run-labels';

export { runLabel } from '../../shared/run-labels';

export const STATE_ICONS: Record<RunState, string> = {
  starting: 'loading~spin',
  running: 'sync~spin',
  paused: 'debug-pause',
  finished: 'pass',
  stopped: 'circle-slash',
  crashed: 'error',
  diverged: 'warning',
};

/** Theme colour ids for the icons that carry a meaning beyond their shape. */
export const STATE_COLORS: Partial<Record<RunState, string>> = {
  finished: 'testing.iconPassed',
  crashed: 'testing.iconFailed',
  diverged: 'list.warningForeground',
};

export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  const a = Math.abs(x);
  if (a === 0) return '0';
  if (a >= 1000) return x.toExponential(2);
  if (a >= 100) return x.toFixed(1);
  if (a >= 0.001) return x.toFixed(3);
  return x.toExponential(2);
}

export function formatPercent(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  if (!Number.isFinite(x)) return formatNumber(x);
  return `${(x * 100).toFixed(1)}%`;
}

/** Latest cost, dev error and epoch a view knows of (live costs first, then epoch summaries, then the summary). */
export function latest(view: RunView): { epoch: number; cost: number | null; devError: number | null; iteration: number } {
  const lastEpoch = view.lastEpoch ?? view.summary?.final ?? null;
  const cost = lastCost(view) ?? lastEpoch?.trainCost ?? null;
  return {
    epoch: Math.max(view.epoch, lastEpoch?.epoch ?? 0),
    iteration: Math.max(view.iteration, lastEpoch?.iteration ?? 0, view.summary?.iterations ?? 0),
    cost,
    devError: lastEpoch?.devError ?? null,
  };
}

/** "epoch 12 · cost 0.234 · dev 4.1%" */
export function describeRun(view: RunView): string {
  const l = latest(view);
  const parts = [`epoch ${l.epoch}`];
  if (l.cost !== null) parts.push(`cost ${costReadout(l.cost).text}`);
  if (l.devError !== null) parts.push(`dev ${formatPercent(l.devError)}`);
  return parts.join(' · ');
}

/** "$(sync~spin) GL epoch 12 · 0.234" */
export function statusBarText(view: RunView): string {
  const l = latest(view);
  const cost = l.cost !== null ? ` · ${costReadout(l.cost).text}` : '';
  return `$(${STATE_ICONS[view.state]}) GL epoch ${l.epoch}${cost}`;
}

/** Markdown lines for a tooltip. */
export function tooltipLines(view: RunView, live: boolean): string[] {
  const l = latest(view);
  const lines = [`**${runLabel(view)}** — ${view.state}${live ? ' (live)' : ''}`, ''];
  if (view.stateReason) lines.push(`_${view.stateReason}_`, '');
  lines.push(`- run: \`${view.runId}\``);
  lines.push(`- epoch ${l.epoch}, iteration ${l.iteration}`);
  lines.push(`- ${costTooltip('cost', costReadout(l.cost))}`);
  const e = view.lastEpoch ?? view.summary?.final ?? null;
  if (e) {
    lines.push(`- train error ${formatPercent(e.trainError)}, dev error ${formatPercent(e.devError)}`);
    lines.push(`- learning rate ${formatNumber(e.learningRate)}`);
  }
  if (view.info) {
    lines.push(`- ${view.info.task}, ${view.info.parameters} parameters, ${view.info.backend} backend, ${view.info.dtype}`);
    if (view.info.mode === 'overfitBatch') lines.push('- mode: overfit one batch');
  }
  if (view.tests.length) {
    const t = view.tests[view.tests.length - 1];
    lines.push(`- test error ${formatPercent(t.error)} (look ${t.looks})`);
  }
  return lines;
}

/** A strictly positive, finite number typed by a person ("0.01", "3e-4", ".5"); undefined otherwise. */
export function parsePositive(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}
