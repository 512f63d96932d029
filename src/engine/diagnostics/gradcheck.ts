import type { GradBand, GradCheckReport, GradCheckTensor } from '../../shared/protocol';
import type { FloatArray } from '../backend/backend';
import type { ForwardMode, Param } from '../model/layers/layer';
import type { Network } from '../model/network';
import type { Regularization } from '../model/regularization';
import { Rng } from '../util/rng';
import { KinkWatch, l1Kink } from './kinks';

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
 * Rounding floor of the two-sided difference, per checked entry. J is a mean of terms each
 * computed from O(1) intermediates (probabilities, log-sum-exp, log1p(e^−|z|)) or from the cost's
 * own size (the penalty, large regression errors), so one evaluation of J carries an absolute
 * rounding error δJ ≲ u·max(|J|, 1), u = 2⁻⁵² (machine ε of float64): the "1" is why a converged
 * cost of 1e-11 still rounds at ~1e-16, from log(Σ e^z) with Σ ≈ 1. The difference
 * (J₊ − J₋)/2ε then errs by up to (|δJ₊| + |δJ₋|)/2ε ≤ u·max(|J|, 1)/ε, and k independent such
 * errors have norm ≈ √k times that. When ‖g − g̃‖ stays under NOISE_MARGIN times this floor, the
 * disagreement is rounding, and a relative difference ‖g − g̃‖/(‖g‖ + ‖g̃‖) ≥ 1e-5 only says that
 * ‖g‖ + ‖g̃‖ is itself within 1e5·NOISE_MARGIN floors (at convergence g → 0): such a tensor is
 * "inconclusive", never "suspicious" or "bug".
 */
export function roundingFloor(cost: number, epsilon: number, entries: number): number {
  return Math.sqrt(entries) * Number.EPSILON * Math.max(Math.abs(cost), 1) / epsilon;
}

/** Headroom over the floor for rounding accumulated through the forward pass (sums over the batch). */
const NOISE_MARGIN = 10;

const INCONCLUSIVE_ADVICE = 'Check at initialisation or on a fresh batch, where the gradients are well above rounding.';

/**
 * Compares backprop's gradient with the two-sided difference (J(θ+ε) − J(θ−ε))/2ε entry by
 * entry, on a fixed batch, in whatever dtype `net` has (callers pass a float64 copy). Dropout is
 * off (J must be a deterministic function of θ); batch norm uses batch statistics without
 * touching its running averages, so the check never changes the network it inspects. Entries
 * whose θ ± ε straddles a kink (./kinks) are counted and left out of the verdict.
 */
export function gradientCheck(net: Network, x: FloatArray, y: Float64Array, rows: number,
  options: GradCheckOptions): GradCheckReport {
  const started = Date.now();
  const mode: ForwardMode = { training: true, dropout: false, updateRunningStats: false };
  const reg = options.regularization;
  const cost = (): number => net.costAndGradients(x, y, rows, mode, reg, false).cost;

  const cost0 = net.costAndGradients(x, y, rows, mode, reg, true).cost;
  const kinks = new KinkWatch(net);
  kinks.mark();
  const params = net.params();
  const analytic = params.map((p) => Float64Array.from(p.grad));
  const labels = tensorLabels(net);
  const rng = new Rng(options.seed);
  const eps = options.epsilon;

  const overall = { diff2: 0, g2: 0, n2: 0, entries: 0 };
  const tensors: GradCheckTensor[] = params.map((p, pi) => {
    const indices = sampleIndices(p.value.length, options.maxEntriesPerTensor, rng);
    const entries: GradCheckTensor['worst'] = [];
    let diff2 = 0;
    let g2 = 0;
    let n2 = 0;
    let kinked = 0;
    const atKinks = { diff2: 0, g2: 0, n2: 0 };
    for (const idx of indices) {
      const saved = p.value[idx];
      p.value[idx] = saved + eps;
      const up = p.value[idx];
      const plus = cost();
      let kink = kinks.crossed();
      p.value[idx] = saved - eps;
      const down = p.value[idx];
      const minus = cost();
      kink = kinks.crossed() || kink || l1Kink(reg.l1, p.regularized, saved, up, down);
      p.value[idx] = saved;
      // Divide by the step actually taken: θ±ε rounds, and at ε = 1e-7 that rounding alone is ~1e-9 relative.
      const numeric = (plus - minus) / (up - down);
      const g = analytic[pi][idx];
      if (kink) {
        kinked++;
        atKinks.diff2 += (g - numeric) ** 2;
        atKinks.g2 += g * g;
        atKinks.n2 += numeric * numeric;
        continue;
      }
      diff2 += (g - numeric) ** 2;
      g2 += g * g;
      n2 += numeric * numeric;
      const cols = p.shape[1];
      entries.push({ index: [Math.floor(idx / cols), idx % cols], analytic: g, numeric,
        difference: Math.abs(g - numeric) / (Math.abs(g) + Math.abs(numeric) || 1) });
    }
    const difference = relativeDifference(diff2, g2, n2);
    const compared = indices.length - kinked;
    const floor = roundingFloor(cost0, eps, compared);
    let band = gradBand(difference);
    let reason: string | undefined;
    if (compared === 0 && indices.length > 0 && gradBand(relativeDifference(atKinks.diff2, atKinks.g2, atKinks.n2)) !== 'correct') {
      // Every entry is on a kink and they disagree: nothing left to judge by. (When they agree, as
      // with all-zero weights where nothing downstream feels the kink, the tensor is still correct.)
      band = 'inconclusive';
      reason = 'every checked entry straddles a kink (θ ± ε moves a ReLU input or an L1 weight across 0). Check on a fresh batch, or at weights where no input sits exactly at 0.';
    } else if ((band === 'suspicious' || band === 'bug') && Math.sqrt(diff2) <= NOISE_MARGIN * floor) {
      // Only the accusing bands: "look closer" (< 1e-5) already says "probably fine", rounding or not.
      band = 'inconclusive';
      reason = `‖g‖ + ‖g̃‖ = ${sci(Math.sqrt(g2) + Math.sqrt(n2))} is too close to the rounding floor `
        + `√k·u·max(|J|, 1)/ε = ${sci(floor)} (J = ${sci(cost0)}, ε = ${sci(eps)}, k = ${compared}) for the relative difference to mean anything: `
        + `the disagreement ‖g − g̃‖ = ${sci(Math.sqrt(diff2))} is within ${NOISE_MARGIN}× of what rounding alone gives. ${INCONCLUSIVE_ADVICE}`;
    } else {
      overall.diff2 += diff2;
      overall.g2 += g2;
      overall.n2 += n2;
      overall.entries += compared;
    }
    entries.sort((a, b) => Math.abs(b.analytic - b.numeric) - Math.abs(a.analytic - a.numeric));
    const label = labels.get(p) ?? { layer: '?', tensor: p.name };
    const tensor: GradCheckTensor = {
      layer: label.layer, tensor: label.tensor, shape: [p.shape[0], p.shape[1]], difference,
      band, checked: indices.length, total: p.value.length, kinks: kinked, worst: entries.slice(0, 5),
    };
    if (reason) tensor.reason = reason;
    return tensor;
  });
  // Restore the gradients backprop left, so a caller inspecting them sees the unperturbed ones.
  params.forEach((p, i) => p.grad.set(analytic[i]));

  // Overall: the conclusive tensors' entries off the kinks; inconclusive when no tensor is conclusive.
  const difference = relativeDifference(overall.diff2, overall.g2, overall.n2);
  const band: GradBand = overall.entries === 0 && tensors.some((t) => t.band === 'inconclusive') ? 'inconclusive' : gradBand(difference);
  const kinked = tensors.reduce((s, t) => s + (t.kinks ?? 0), 0);
  const notes: string[] = [];
  if (kinked > 0) {
    notes.push(`${kinked} ${kinked === 1 ? 'entry straddles' : 'entries straddle'} a kink (θ ± ε moved a ReLU input${reg.l1 > 0 ? ' or an L1 weight' : ''} across 0); excluded from the verdict.`);
  }
  const inconclusive = tensors.filter((t) => t.band === 'inconclusive' && t.kinks !== t.checked);
  if (inconclusive.length > 0) {
    notes.push(`${inconclusive.length} of ${tensors.length} tensors inconclusive: their gradients are at the level of rounding noise (a converged network). ${INCONCLUSIVE_ADVICE}`);
  }
  if (options.dropoutSwitchedOff) notes.push('Dropout was switched off for the check: with random masks J is not a fixed function of θ.');
  if (tensors.some((t) => t.checked < t.total)) {
    notes.push(`Tensors larger than ${options.maxEntriesPerTensor} entries were checked on a seeded random sample.`);
  }
  return {
    id: options.id, iteration: options.iteration, epsilon: eps, batchSize: rows, difference, band,
    tensors, kinks: kinked, notes, dtype: 'float64', regularization: { l2: reg.l2, l1: reg.l1 }, seconds: (Date.now() - started) / 1000,
  };
}

function sci(x: number): string {
  return x.toExponential(2);
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
