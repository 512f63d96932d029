/**
 * Update/weight ratio ‖ΔW‖/‖W‖ over the first iterations (CS231n: "somewhere around 1e-3";
 * Karpathy). Much lower and the learning rate is too low to move the weights; much higher and each
 * step rewrites them. The learning rate is one number for every layer, so it is judged on the
 * median over the layers (each layer's own value is the median of its last steps: one mini-batch
 * is noisy); a layer far from the others is reported on its own (its initial scale is off).
 */
import { UPDATE_RATIO_GUIDE } from '../../../shared/series';
import type { Check, CheckOutcome } from './context';
import { fmt } from './context';
import { FEW_STEPS, fewSteps, RATIO_WINDOW } from './few-steps';

/** Pass within this many decades of 1e-3; a decade further either way is a warning. */
export const RATIO_DECADES = 1;
/** A layer this many decades away from the median layer is an outlier. */
export const OUTLIER_DECADES = 2;

export const updateRatioCheck: Check = {
  id: 'updateRatio',
  title: 'Update / weight ratio',
  run(ctx): CheckOutcome {
    const { steps, probe } = fewSteps(ctx);
    const lo = UPDATE_RATIO_GUIDE / 10 ** RATIO_DECADES;
    const hi = UPDATE_RATIO_GUIDE * 10 ** RATIO_DECADES;
    const threshold = `median over the layers of ‖ΔW‖/‖W‖ (each the median of its last ${RATIO_WINDOW} of ${FEW_STEPS} iterations) within ${fmt(lo)}…${fmt(hi)} (1e-3 is healthy); a layer ${OUTLIER_DECADES} decades from the others warns; weights that do not move fail`;
    if (steps.length === 0) {
      return { status: 'fail', measured: 'the first iteration already produced a non-finite loss', threshold, values: {}, remedy: 'Lower the learning rate; normalise the inputs.' };
    }
    const window = steps.slice(-RATIO_WINDOW);
    const layers = window[0].map((s, i) => ({ layer: s.layer, ratio: median(window.map((w) => w[i].updateRatio)), weightNorm: window[window.length - 1][i].weightNorm }));
    const overall = median(layers.map((l) => l.ratio));
    const values: Record<string, number> = { median: overall };
    for (const l of layers) values[l.layer] = l.ratio;
    const measured = `median ${fmt(overall)}: ` + layers.map((l) => `${l.layer} ${fmt(l.ratio)}`).join(', ') + ` (learning rate ${fmt(probe.learningRate)})`;
    const still = layers.filter((l) => !(l.ratio > 0));
    if (still.length) {
      return { status: 'fail', measured, threshold, values,
        remedy: `The weights of ${still.map((l) => l.layer).join(', ')} do not change at all${still.some((l) => l.weightNorm === 0) ? ' (they are all 0: zero initialisation?)' : ''}: no gradient reaches them. Use "he" or "xavier" initialisation; see the unit-health check.` };
    }
    if (overall > hi) {
      return { status: 'warn', measured, threshold, values,
        remedy: `Learning rate too high: a typical step changes the weights by ${fmt(overall)} of their size (healthy ≈ 1e-3). Lower it (about ${fmt(overall / UPDATE_RATIO_GUIDE)}× lower gives 1e-3).` };
    }
    if (overall < lo) {
      return { status: 'warn', measured, threshold, values,
        remedy: `Learning rate too low: a typical step changes the weights by ${fmt(overall)} of their size (healthy ≈ 1e-3), so training crawls. Raise it (about ${fmt(UPDATE_RATIO_GUIDE / overall)}× higher gives 1e-3).` };
    }
    const outliers = layers.filter((l) => Math.abs(Math.log10(l.ratio / overall)) > OUTLIER_DECADES);
    if (outliers.length) {
      return { status: 'warn', measured, threshold, values,
        remedy: `${outliers.map((l) => `${l.layer} (${fmt(l.ratio)})`).join(', ')} moves ${OUTLIER_DECADES}+ decades apart from the other layers: its initial weights are badly scaled for its size (use "he"/"xavier"), or its gradient vanishes/explodes.` };
    }
    return { status: 'pass', measured, threshold, values, remedy: '' };
  },
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
