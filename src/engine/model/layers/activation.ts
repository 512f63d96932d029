import type { ActivationKind, Backend, FloatArray } from '../../backend/backend';
import type { Layer, Param } from './layer';

/** A = g(Z) elementwise. Caches Z (relu family) and A (tanh/sigmoid) for the derivative. */
export class ActivationLayer implements Layer {
  readonly kind: string;
  private readonly a: FloatArray;
  private readonly dz: FloatArray;
  private z: FloatArray | null = null;
  private rows = 0;

  constructor(private readonly backend: Backend, readonly activation: ActivationKind, readonly inFeatures: number,
    capacity: number, private readonly slope: number) {
    this.kind = activation;
    this.a = backend.alloc(capacity * inFeatures);
    this.dz = backend.alloc(capacity * inFeatures);
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
    this.z = z;
    this.rows = rows;
    const n = rows * this.inFeatures;
    const a = this.a.subarray(0, n);
    this.backend.activationForward(this.activation, n, z, a, this.slope);
    return a;
  }

  backward(dA: FloatArray, rows: number): FloatArray {
    if (!this.z) throw new Error('Activation.backward before forward');
    const n = rows * this.inFeatures;
    const dz = this.dz.subarray(0, n);
    this.backend.activationBackward(this.activation, n, this.z, this.a, dA, dz, this.slope);
    return dz;
  }
}
