/** Text shown for a run in the tree, the status bar and tooltips. Pure. */
import type { RunState } from '../../shared/protocol';
import type { RunView } from '../../shared/run-view';
import { lastCost } from '../../shared/series';
import { costReadout, costTooltip } from '../../shared/readout';

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

export function runLabel(view: RunView): string {
  return view.info?.name ?? view.runId.replace(/^\d{8}-\d{6}-/, '');
}

/** When a run started, in local time: its runInfo's startedAt, else the run folder's name stamp. */
export function runStart(view: RunView): Date | undefined {
  const iso = view.info?.startedAt ? new Date(view.info.startedAt) : undefined;
  if (iso && !Number.isNaN(iso.getTime())) return iso;
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(view.runId);
  return m ? new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}

/**
 * Labels that tell runs apart, keyed by run id: the name alone where it is unique, else the name and
 * its start time ("moons · 08:35:01"), with the date where runs of that name started on different
 * days; a run the clock cannot separate gets "#2", "#3" in start order.
 */
export function distinctRunLabels(views: readonly RunView[]): Map<string, string> {
  const byName = new Map<string, RunView[]>();
  for (const v of views) {
    const name = runLabel(v);
    byName.set(name, [...(byName.get(name) ?? []), v]);
  }
  const labels = new Map<string, string>();
  const p = (n: number): string => String(n).padStart(2, '0');
  for (const [name, group] of byName) {
    if (group.length === 1) {
      labels.set(group[0].runId, name);
      continue;
    }
    const starts = group.map(runStart);
    const days = new Set(starts.map((d) => (d ? d.toDateString() : '')));
    const stamps = starts.map((d) => {
      if (!d) return '';
      const time = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
      return days.size > 1 ? `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${time}` : time;
    });
    const seen = new Map<string, number>();
    const order = group.map((_, i) => i).sort((a, b) => (starts[a]?.getTime() ?? 0) - (starts[b]?.getTime() ?? 0) || group[a].runId.localeCompare(group[b].runId));
    const count = new Map<string, number>();
    for (const s of stamps) count.set(s, (count.get(s) ?? 0) + 1);
    for (const i of order) {
      const stamp = stamps[i];
      const k = (seen.get(stamp) ?? 0) + 1;
      seen.set(stamp, k);
      const suffix = [stamp, count.get(stamp)! > 1 ? `#${k}` : ''].filter(Boolean).join(' ');
      labels.set(group[i].runId, `${name} · ${suffix}`);
    }
  }
  return labels;
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
