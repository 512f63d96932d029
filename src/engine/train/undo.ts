import type { FloatArray } from '../backend/backend';
import type { Network } from '../model/network';
import type { Optimizer } from '../optim/optimizer';
import type { Rng, RngState } from '../util/rng';

/**
 * What one training step changes, copied before the step so it can be undone in place: the
 * parameters, batch-norm running statistics (the forward pass updates them), the optimizer's
 * slots and step count, and the dropout stream. Copies go to buffers allocated once, so a step
 * costs a few memcpys of the model's size — against a forward and backward pass over a batch.
 */
export class StepUndo {
  private shadows: FloatArray[] = [];
  private slotCount = 0;
  private steps = 0;
  private dropout: RngState | null = null;
  /** arrays() as built for the network's params() array of that time (a step copies them every time). */
  private own: { params: unknown; arrays: FloatArray[] } | null = null;

  constructor(private readonly net: Network, private readonly optimizer: Optimizer, private readonly dropoutRng: Rng) {}

  private arrays(): FloatArray[] {
    const params = this.net.params();
    if (this.own?.params !== params) {
      this.own = { params, arrays: [...params.map((p) => p.value), ...this.net.runningStats()] };
    }
    return this.own.arrays;
  }

  /** Copies the state the next step will change. */
  capture(): void {
    const own = this.arrays();
    const slots = this.optimizer.slotArrays();
    for (let i = 0; i < own.length + slots.length; i++) {
      const a = i < own.length ? own[i] : slots[i - own.length];
      if (this.shadows[i]?.length !== a.length) this.shadows[i] = new (a.constructor as new (n: number) => FloatArray)(a.length);
      this.shadows[i].set(a);
    }
    this.slotCount = slots.length;
    this.steps = this.optimizer.steps;
    this.dropout = this.dropoutRng.state();
  }

  /** Puts back what `capture` copied; optimizer slots created since are zeroed (what a first use allocates). */
  undo(): void {
    const own = this.arrays();
    own.forEach((a, i) => a.set(this.shadows[i]));
    this.optimizer.slotArrays().forEach((a, i) => {
      if (i < this.slotCount) a.set(this.shadows[own.length + i]);
      else a.fill(0);
    });
    this.optimizer.steps = this.steps;
    if (this.dropout) this.dropoutRng.restore(this.dropout);
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

  constructor(private readonly net: Network) {
    this.tensors = net.blocks.flatMap((b) => [b.dense, b.batchNorm].flatMap((l) => (l ? l.params() : []))
      .map((p) => ({ layer: b.label, tensor: p.name, value: p.value, matrix: p.regularized })));
    this.next = new Float64Array(this.tensors.length);
  }

  private measure(out: Float64Array): Float64Array {
    const backend = this.net.backend;
    const tensors = this.tensors;
    for (let i = 0; i < tensors.length; i++) {
      const v = tensors[i].value;
      out[i] = Math.sqrt(backend.sumSquares(v.length, v) / Math.max(1, v.length));
    }
    return out;
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
