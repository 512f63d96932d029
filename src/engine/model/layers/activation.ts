import type { ActivationKind, Backend, FloatArray } from '../../backend/backend';
import { PrefixViews } from '../../backend/views';
import type { Layer, Param } from './layer';

/** A = g(Z) elementwise. Caches Z (relu family) and A (tanh/sigmoid) for the derivative. */
export class ActivationLayer implements Layer {
  readonly kind: string;
  private readonly a: FloatArray;
  private readonly dz: FloatArray;
  private z: FloatArray | null = null;
  private rows = 0;
  /** Views of a and dz for the batch sizes in use. */
  private readonly aViews: PrefixViews;
  private readonly dzViews: PrefixViews;

  constructor(private readonly backend: Backend, readonly activation: ActivationKind, readonly inFeatures: number,
    capacity: number, readonly slope: number) {
    this.kind = activation;
    this.a = backend.alloc(capacity * inFeatures);
    this.dz = backend.alloc(capacity * inFeatures);
    this.aViews = new PrefixViews(this.a);
    this.dzViews = new PrefixViews(this.dz);
  }

  private aRows(rows: number): FloatArray {
    return this.aViews.get(rows * this.inFeatures);
  }

  /**
   * Takes `z` as this forward's input, as forward(z, rows) does, and returns the buffer its output
   * goes to, for a caller that computes g(z) into it itself (Dense.forwardFused).
   */
  outputFor(z: FloatArray, rows: number): FloatArray {
    this.z = z;
    this.rows = rows;
    return this.aRows(rows);
  }

  get outFeatures(): number {
    return this.inFeatures;
  }

  params(): Param[] {
    return [];
  }

  /** The last forward's output (for activation statistics). */
  output(): { values: FloatArray; rows: number } {
    return { values: this.a.subarray(0, this.rows * this.inFeatures), rows: this.rows };
  }

  /** The last forward's input Z (the ReLU family's kink is at Z = 0); null before the first forward. */
  preActivation(): FloatArray | null {
    return this.z ? this.z.subarray(0, this.rows * this.inFeatures) : null;
  }

  forward(z: FloatArray, rows: number): FloatArray {
    const a = this.outputFor(z, rows);
    this.backend.activationForward(this.activation, rows * this.inFeatures, z, a, this.slope);
    return a;
  }

  backward(dA: FloatArray, rows: number): FloatArray {
    if (!this.z) throw new Error('Activation.backward before forward');
    const n = rows * this.inFeatures;
    const dz = this.dzViews.get(n);
    this.backend.activationBackward(this.activation, n, this.z, this.a, dA, dz, this.slope);
    return dz;
  }
}
