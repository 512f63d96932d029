import type { Backend, FloatArray } from '../../backend/backend';
import type { Rng } from '../../util/rng';
import type { ForwardMode, Layer, Param } from './layer';

/**
 * Inverted dropout: keep each unit with probability p and scale the kept ones by 1/p, so the
 * expected activation is unchanged and inference needs no rescaling (the layer is then identity).
 */
export class Dropout implements Layer {
  readonly kind = 'dropout';
  private readonly mask: FloatArray;
  private readonly out: FloatArray;
  private readonly dx: FloatArray;
  private active = false;
  /** A fixed mask for tests and reference checks; null draws a fresh one each forward. */
  fixedMask: FloatArray | null = null;

  constructor(private readonly backend: Backend, readonly inFeatures: number, capacity: number,
    readonly keepProb: number, private readonly rng: Rng) {
    this.mask = backend.alloc(capacity * inFeatures);
    this.out = backend.alloc(capacity * inFeatures);
    this.dx = backend.alloc(capacity * inFeatures);
  }

  get outFeatures(): number {
    return this.inFeatures;
  }

  params(): Param[] {
    return [];
  }

  forward(x: FloatArray, rows: number, mode: ForwardMode): FloatArray {
    this.active = mode.dropout && this.keepProb < 1;
    if (!this.active) return x;
    const n = rows * this.inFeatures;
    const mask = this.mask.subarray(0, n);
    const p = this.keepProb;
    if (this.fixedMask) {
      for (let i = 0; i < n; i++) mask[i] = this.fixedMask[i] / p;
    } else {
      this.backend.dropoutMask(n, p, this.rng.words(), mask);
    }
    const out = this.out.subarray(0, n);
    this.backend.mul(n, x, mask, out);
    return out;
  }

  backward(dOut: FloatArray, rows: number): FloatArray {
    if (!this.active) return dOut;
    const n = rows * this.inFeatures;
    const dx = this.dx.subarray(0, n);
    this.backend.mul(n, dOut, this.mask.subarray(0, n), dx);
    return dx;
  }
}
