import type { FloatArray } from '../backend/backend';
import type { Network } from '../model/network';
import type { Optimizer } from '../optim/optimizer';
import type { Rng, RngState } from '../util/rng';

/**
 * What one training step changes, copied so it can be undone in place: batch-norm running
 * statistics (the forward pass updates them), the optimizer's step count and the dropout stream
 * at the step's start (`capture`); the parameters and the optimizer's slots just before the update
 * (`captureWeights`), which a step skips when the update provably cannot trip the WeightGuard
 * (a W1 step's copy is 2.8 MB, 5 % of the step). Copies go to buffers allocated once.
 */
export class StepUndo {
  private shadows: FloatArray[] = [];
  private slotCount = 0;
  private steps = 0;
  private dropout: RngState | null = null;
  /** Whether this step's weights and slots were copied (else the update has not run, or could not fail). */
  private weights = false;

  constructor(private readonly net: Network, private readonly optimizer: Optimizer, private readonly dropoutRng: Rng) {}

  /** weightArrays() as built for the params() and slotArrays() arrays of that time (both are kept until they change). */
  private weightList: { params: unknown; slots: unknown; arrays: FloatArray[] } | null = null;
  /** The running statistics' arrays: fixed once the network is built. */
  private stats: FloatArray[] | null = null;

  private weightArrays(): FloatArray[] {
    const params = this.net.params();
    const slots = this.optimizer.slotArrays();
    const w = this.weightList;
    if (w !== null && w.params === params && w.slots === slots) return w.arrays;
    const arrays = [...params.map((p) => p.value), ...slots];
    this.weightList = { params, slots, arrays };
    return arrays;
  }

  private runningStats(): FloatArray[] {
    return (this.stats ??= this.net.runningStats());
  }

  private copy(arrays: FloatArray[], at: number): void {
    for (let i = 0; i < arrays.length; i++) {
      const a = arrays[i];
      const k = at + i;
      if (this.shadows[k]?.length !== a.length) this.shadows[k] = new (a.constructor as new (n: number) => FloatArray)(a.length);
      this.shadows[k].set(a);
    }
  }

  /** At the step's start: what the forward pass changes, and the step count and dropout stream. */
  capture(): void {
    this.copy(this.runningStats(), 0);
    this.steps = this.optimizer.steps;
    this.dropout = this.dropoutRng.state();
    this.weights = false;
  }

  /** Just before the update: the parameters and the optimizer's slots. */
  captureWeights(): void {
    this.copy(this.weightArrays(), this.runningStats().length);
    this.slotCount = this.optimizer.slotArrays().length;
    this.weights = true;
  }

  /**
   * Puts back what was captured; optimizer slots created since are zeroed (what a first use
   * allocates). `updated`: the update has run (or started). Returns false when it had and the
   * weights were not copied: they cannot be put back.
   */
  undo(updated: boolean): boolean {
    const stats = this.runningStats();
    stats.forEach((a, i) => a.set(this.shadows[i]));
    if (this.weights) {
      const params = this.net.params();
      params.forEach((p, i) => p.value.set(this.shadows[stats.length + i]));
      this.optimizer.slotArrays().forEach((a, i) => {
        if (i < this.slotCount) a.set(this.shadows[stats.length + params.length + i]);
        else a.fill(0);
      });
    }
    this.optimizer.steps = this.steps;
    if (this.dropout) this.dropoutRng.restore(this.dropout);
    return this.weights || !updated;
  }
}

export interface BadWeights {
  layer: string;
  tensor: string;
  /** RMS of the tensor before and after the update (after is NaN/±Inf when non-finite). */
  from: number;
  to: number;
}

/**
 * Most a weight matrix's RMS may grow in one update before the update counts as exploding. A
 * healthy step changes weights by ~1e-3 of their size; Adam at lr 10 on moons (already far too
 * high) grows them ≤ 10× per step; lr 1e6 grows them 1e6× at once. The before-RMS is floored at 1,
 * so small or zero initial weights may grow freely up to an RMS of 100. Biases and batch-norm
 * γ/β are only checked for NaN/Inf: a regression's output bias may legitimately jump to a large
 * target mean.
 */
export const MAX_STEP_GROWTH = 100;

/** Checks the weights an update produced: finite, and not exploding. */
export class WeightGuard {
  /** The blocks' tensors: fixed once the network is built (a step checks them all). */
  private readonly tensors: readonly { layer: string; tensor: string; value: FloatArray; matrix: boolean }[];
  /** RMS per tensor of the reference weights, or null before reset(). */
  private rms: Float64Array | null = null;
  /** The buffer the next measurement goes to (swapped with rms when the weights pass). */
  private next: Float64Array;

  constructor(net: Network) {
    this.tensors = net.blocks.flatMap((b) => [b.dense, b.batchNorm].flatMap((l) => (l ? l.params() : []))
      .map((p) => ({ layer: b.label, tensor: p.name, value: p.value, matrix: p.regularized })));
    this.next = new Float64Array(this.tensors.length);
    this.sums = net.backend.sumSquaresOf(this.tensors.map((t) => t.value));
  }

  /** Σ w² of each tensor, in one backend call. */
  private readonly sums: () => Float64Array;

  private measure(out: Float64Array): Float64Array {
    const tensors = this.tensors;
    const s = this.sums();
    for (let i = 0; i < tensors.length; i++) out[i] = Math.sqrt(s[i] / Math.max(1, tensors[i].value.length));
    return out;
  }

  /**
   * Whether an update that moves no weight by more than `maxStep` is sure to pass `check`: each
   * tensor's RMS then grows by at most maxStep (|RMS(w+Δ) − RMS(w)| ≤ RMS(Δ)), and growth is allowed
   * up to 100·max(1, before) − before ≥ 99; 50 leaves room for the RMS's own float rounding. The
   * sums of squares must stay far from overflow too, so a huge-but-finite tensor does not read as Inf.
   */
  cannotTrip(maxStep: number): boolean {
    const rms = this.rms;
    if (!rms || !(maxStep <= 50)) return false;
    const tensors = this.tensors;
    for (let i = 0; i < tensors.length; i++) if (!((rms[i] + maxStep) ** 2 * tensors[i].value.length < 1e37)) return false;
    return true;
  }

  /** Takes the weights as they are now as the reference (before the first update, after a restore). */
  reset(): void {
    this.rms = this.measure(new Float64Array(this.tensors.length));
  }

  /** The first tensor that went non-finite or exploded since the reference; null if all are fine (and they become the reference). */
  check(): BadWeights | null {
    const before = this.rms ?? this.measure(new Float64Array(this.tensors.length));
    const after = this.measure(this.next);
    const tensors = this.tensors;
    for (let i = 0; i < after.length; i++) {
      const t = tensors[i];
      const bad = !Number.isFinite(after[i]) || (t.matrix && after[i] > MAX_STEP_GROWTH * Math.max(1, before[i]));
      if (bad) return { layer: t.layer, tensor: t.tensor, from: before[i], to: after[i] };
    }
    this.next = before;
    this.rms = after;
    return null;
  }
}
