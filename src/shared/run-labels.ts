/**
 * What a run is called where runs are listed side by side (tab titles, Runs tree rows, pickers,
 * the compare legend): its name, with its start time where names repeat. Pure.
 */
import type { RunView } from './run-view';

/** A run's name: its runInfo's, else its folder name without the date stamp. */
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
