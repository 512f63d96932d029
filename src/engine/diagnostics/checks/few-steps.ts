/**
 * A few iterations of the experiment exactly as configured, from its initial weights, with the
 * per-layer statistics of every step: what the update-ratio and unit-health checks look at.
 */
import type { LayerStat } from '../../../shared/protocol';
import { LayerStatsRecorder } from '../layer-stats';
import { MEASURE, PROBE_CHUNK, Probe } from '../probe';
import type { CheckContext } from './context';

export const FEW_STEPS = 30;
/** The update ratio is the median over this many last steps (one mini-batch is noisy). */
export const RATIO_WINDOW = 20;

export interface FewSteps {
  probe: Probe;
  /** Per step, per block: the statistics of that step's update. */
  steps: LayerStat[][];
  /** Activation statistics of the first training rows before and after the steps (no dropout). */
  atInit: LayerStat[];
  after: LayerStat[];
}

export function fewSteps(ctx: CheckContext): FewSteps {
  return ctx.memo('fewSteps', () => {
    const { setup } = ctx;
    const probe = new Probe(setup);
    const stats = new LayerStatsRecorder(setup.backend, probe.net);
    const atInit = activationHealth(probe, stats);
    const steps: LayerStat[][] = [];
    probe.train(setup.data.train, FEW_STEPS, { update: (step) => {
      stats.before();
      step();
      steps.push(stats.after());
    } });
    return { probe, steps, atInit, after: activationHealth(probe, stats) };
  });
}

/** Activation statistics of one forward pass over the first training rows. */
function activationHealth(probe: Probe, stats: LayerStatsRecorder): LayerStat[] {
  stats.before();
  const ds = probe.setup.data.train;
  const rows = Math.min(PROBE_CHUNK, ds.count);
  const batch = probe.gatherer(ds).range(0, rows);
  probe.net.forward(batch.x, rows, MEASURE);
  return stats.after();
}
