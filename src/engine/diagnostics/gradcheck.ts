import type { GradBand, GradCheckReport, GradCheckTensor } from '../../shared/protocol';
import type { FloatArray } from '../backend/backend';
import type { ForwardMode, Param } from '../model/layers/layer';
import type { Network } from '../model/network';
import type { Regularization } from '../model/regularization';
import { Rng } from '../util/rng';

export interface GradCheckOptions {
  epsilon: number;
  /** Tensors with more entries are checked on a seeded random sample of this size; 0 checks every entry. */
  maxEntriesPerTensor: number;
  seed: number;
  regularization: Regularization;
  id: string;
  iteration: number;
  /** Said in the report when the network being checked has dropout that was switched off. */
  dropoutSwitchedOff: boolean;
}

/** Bands of the course: < 1e-7 correct, < 1e-5 look closer, < 1e-3 suspicious, ≥ 1e-3 a bug. */
export function gradBand(difference: number): GradBand {
  if (!(difference < 1e-3)) return 'bug';
  if (difference < 1e-7) return 'correct';
  if (difference < 1e-5) return 'lookCloser';
  return 'suspicious';
}

/** Which block and tensor each parameter belongs to, for the report. */
function tensorLabels(net: Network): Map<Param, { layer: string; tensor: string }> {
  const labels = new Map<Param, { layer: string; tensor: string }>();
  for (const block of net.blocks) {
    for (const layer of [block.dense, block.batchNorm]) {
      for (const p of layer?.params() ?? []) labels.set(p, { layer: block.label, tensor: p.name });
    }
  }
  net.layers.forEach((layer, i) => {
    for (const p of layer.params()) if (!labels.has(p)) labels.set(p, { layer: `${layer.kind} (layer ${i})`, tensor: p.name });
  });
  return labels;
}

/**
 * Compares backprop's gradient with the two-sided difference (J(θ+ε) − J(θ−ε))/2ε entry by
 * entry, on a fixed batch, in whatever dtype `net` has (callers pass a float64 copy). Dropout is
 * off (J must be a deterministic function of θ); batch norm uses batch statistics without
 * touching its running averages, so the check never changes the network it inspects.
 */
export function gradientCheck(net: Network, x: FloatArray, y: Float64Array, rows: number,
  options: GradCheckOptions): GradCheckReport {
  const started = Date.now();
  const mode: ForwardMode = { training: true, dropout: false, updateRunningStats: false };
  const reg = options.regularization;
  const cost = (): number => net.costAndGradients(x, y, rows, mode, reg, false).cost;

  net.costAndGradients(x, y, rows, mode, reg, true);
  const params = net.params();
  const analytic = params.map((p) => Float64Array.from(p.grad));
  const labels = tensorLabels(net);
  const rng = new Rng(options.seed);
  const eps = options.epsilon;

  let allDiff2 = 0;
  let allG2 = 0;
  let allN2 = 0;
  const tensors: GradCheckTensor[] = params.map((p, pi) => {
    const indices = sampleIndices(p.value.length, options.maxEntriesPerTensor, rng);
    const entries: GradCheckTensor['worst'] = [];
    let diff2 = 0;
    let g2 = 0;
    let n2 = 0;
    for (const idx of indices) {
      const saved = p.value[idx];
      p.value[idx] = saved + eps;
      const up = p.value[idx];
      const plus = cost();
      p.value[idx] = saved - eps;
      const down = p.value[idx];
      const minus = cost();
      p.value[idx] = saved;
      // Divide by the step actually taken: θ±ε rounds, and at ε = 1e-7 that rounding alone is ~1e-9 relative.
      const numeric = (plus - minus) / (up - down);
      const g = analytic[pi][idx];
      diff2 += (g - numeric) ** 2;
      g2 += g * g;
      n2 += numeric * numeric;
      const cols = p.shape[1];
      entries.push({ index: [Math.floor(idx / cols), idx % cols], analytic: g, numeric,
        difference: Math.abs(g - numeric) / (Math.abs(g) + Math.abs(numeric) || 1) });
    }
    allDiff2 += diff2;
    allG2 += g2;
    allN2 += n2;
    const difference = relativeDifference(diff2, g2, n2);
    entries.sort((a, b) => Math.abs(b.analytic - b.numeric) - Math.abs(a.analytic - a.numeric));
    const label = labels.get(p) ?? { layer: '?', tensor: p.name };
    return {
      layer: label.layer, tensor: label.tensor, shape: [p.shape[0], p.shape[1]], difference,
      band: gradBand(difference), checked: indices.length, total: p.value.length, worst: entries.slice(0, 5),
    };
  });
  // Restore the gradients backprop left, so a caller inspecting them sees the unperturbed ones.
  params.forEach((p, i) => p.grad.set(analytic[i]));

  const difference = relativeDifference(allDiff2, allG2, allN2);
  const notes: string[] = [];
  if (options.dropoutSwitchedOff) notes.push('Dropout was switched off for the check: with random masks J is not a fixed function of θ.');
  if (tensors.some((t) => t.checked < t.total)) {
    notes.push(`Tensors larger than ${options.maxEntriesPerTensor} entries were checked on a seeded random sample.`);
  }
  if (reg.l1 > 0) notes.push('L1 is not differentiable at 0; an entry exactly at 0 can disagree without a bug.');
  if (net.layers.some((l) => l.kind === 'relu' || l.kind === 'leakyRelu')) {
    notes.push('ReLU kinks: an input within ε of 0 can make one entry disagree without a bug.');
  }
  return {
    id: options.id, iteration: options.iteration, epsilon: eps, batchSize: rows, difference, band: gradBand(difference),
    tensors, notes, dtype: 'float64', regularization: { l2: reg.l2, l1: reg.l1 }, seconds: (Date.now() - started) / 1000,
  };
}

/** ‖g − g̃‖ / (‖g‖ + ‖g̃‖), 0 when both are 0. */
function relativeDifference(diff2: number, g2: number, n2: number): number {
  const denominator = Math.sqrt(g2) + Math.sqrt(n2);
  return denominator === 0 ? 0 : Math.sqrt(diff2) / denominator;
}

function sampleIndices(length: number, max: number, rng: Rng): number[] {
  if (max <= 0 || length <= max) return Array.from({ length }, (_, i) => i);
  const perm = rng.permutation(length);
  return Array.from(perm.subarray(0, max)).sort((a, b) => a - b);
}
