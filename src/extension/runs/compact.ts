/**
 * Makes a batch of engine events cheaper to post to a webview without changing what it folds to:
 * `applyEvent` over `compactEvents(batch)` gives the same RunView as over `batch`, from any start.
 *
 * - `metrics` events that continue each other (contiguous iterations, same learning rate) become one,
 *   placed where the last of them was; events that touch the same fields (`state`, `learningRate`,
 *   `runInfo`) end a group, so the order of what they interact with is kept.
 * - Of the events that replace a field (`verdict`, `snapshot`, `checkpoint`), only the last of a batch
 *   is sent. Everything else (epochs, layer stats, flags, reports…) is kept in order.
 * A fast run (a small data set trains hundreds of epochs a second) sends far fewer, shorter posts.
 */
import type { EngineEvent } from '../../shared/protocol';

type Metrics = Extract<EngineEvent, { type: 'metrics' }>;

const REPLACING = new Set<EngineEvent['type']>(['verdict', 'snapshot', 'checkpoint']);
/** Events whose effect depends on their order relative to `metrics`. */
const BARRIERS = new Set<EngineEvent['type']>(['state', 'learningRate', 'runInfo']);

export function compactEvents(events: readonly EngineEvent[]): EngineEvent[] {
  if (events.length < 2) return [...events];
  // 1. Last index of each replacing type (state is not here: see BARRIERS).
  const lastOf = new Map<EngineEvent['type'], number>();
  events.forEach((e, i) => {
    if (REPLACING.has(e.type)) lastOf.set(e.type, i);
  });
  // 2. Merge metrics groups between barriers.
  const out: (EngineEvent | null)[] = [];
  let group: { first: Metrics; costs: number[]; last: Metrics; slot: number } | null = null;
  const close = (): void => {
    if (!group) return;
    out[group.slot] = group.costs.length === group.first.costs.length && group.first === group.last
      ? group.first
      : { type: 'metrics', firstIteration: group.first.firstIteration, costs: group.costs, learningRate: group.last.learningRate, epoch: group.last.epoch };
    group = null;
  };
  events.forEach((e, i) => {
    if (REPLACING.has(e.type) && lastOf.get(e.type) !== i) return;
    if (e.type === 'metrics') {
      if (group && e.firstIteration === group.last.firstIteration + group.last.costs.length && sameRate(e.learningRate, group.last.learningRate)) {
        for (const c of e.costs) group.costs.push(c);
        group.last = e;
        // Move the group's slot to this position: the merged event lands where its last part was.
        out[group.slot] = null;
        group.slot = out.length;
        out.push(null);
        return;
      }
      close();
      group = { first: e, costs: [...e.costs], last: e, slot: out.length };
      out.push(null);
      return;
    }
    if (BARRIERS.has(e.type)) close();
    out.push(e);
  });
  close();
  return out.filter((e): e is EngineEvent => e !== null);
}

function sameRate(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
