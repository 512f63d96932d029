/**
 * The x axis of Compare Runs: iteration, epoch, or progress (0…1 of each run's planned length), so
 * a 1,000-iteration run beside a 375,000-iteration one is not squeezed against the y axis. Pure.
 */
import type { RunView } from '../../src/shared/run-view';

export type CompareX = 'iteration' | 'epoch' | 'progress';

export const COMPARE_X: Record<CompareX, { label: string; title: string }> = {
  iteration: { label: 'Iteration', title: 'iteration' },
  epoch: { label: 'Epoch', title: 'epoch' },
  progress: { label: 'Progress', title: 'progress (share of each run)' },
};

export function isCompareX(v: unknown): v is CompareX {
  return v === 'iteration' || v === 'epoch' || v === 'progress';
}

/** Iterations the run is planned to take: epochs × iterations per epoch, else what it has done so far. */
export function plannedIterations(view: RunView): number {
  const ipe = view.info?.iterationsPerEpoch ?? 0;
  const epochs = view.info?.config?.training?.epochs ?? 0;
  if (ipe > 0 && epochs > 0) return ipe * epochs;
  return Math.max(1, view.iteration, view.summary?.iterations ?? 0);
}

/** Iterations per epoch as near as the view knows (1 if it cannot tell: epochs then read as iterations). */
function iterationsPerEpoch(view: RunView): number {
  const ipe = view.info?.iterationsPerEpoch ?? 0;
  if (ipe > 0) return ipe;
  return view.epoch > 0 && view.iteration > 0 ? view.iteration / view.epoch : 1;
}

/** Maps an iteration of `view` to the chosen x. */
export function iterationX(view: RunView, mode: CompareX): (iteration: number) => number {
  if (mode === 'iteration') return (it) => it;
  if (mode === 'epoch') {
    const ipe = iterationsPerEpoch(view);
    return (it) => it / ipe;
  }
  const total = plannedIterations(view);
  return (it) => it / total;
}

/** Maps the end of epoch `e` of `view` to the chosen x. */
export function epochX(view: RunView, mode: CompareX): (epoch: number) => number {
  if (mode === 'epoch') return (e) => e;
  const ipe = iterationsPerEpoch(view);
  const it = iterationX(view, mode);
  return (e) => it(e * ipe);
}
