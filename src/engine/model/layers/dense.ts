import type { Backend, FloatArray } from '../../backend/backend';
import { PrefixViews } from '../../backend/views';
import type { ActivationLayer } from './activation';
import type { Layer, Param } from './layer';

/** Z = X·W + b with W (in × out). Without bias when batch norm follows (β takes its role). */
export class Dense implements Layer {
  readonly kind = 'dense';
  readonly weights: Param;
  readonly bias: Param | null;
  private readonly z: FloatArray;
  private readonly dx: FloatArray;
  private input: FloatArray | null = null;
  /** Views of z for the batch sizes in use. */
  private readonly zViews: PrefixViews;
  private readonly dxViews: PrefixViews;

  constructor(private readonly backend: Backend, readonly inFeatures: number, readonly outFeatures: number,
    capacity: number, withBias: boolean, private readonly needsInputGrad: boolean) {
    this.weights = {
      name: 'W', shape: [inFeatures, outFeatures], regularized: true,
      value: backend.alloc(inFeatures * outFeatures), grad: backend.alloc(inFeatures * outFeatures),
    };
    this.bias = withBias
      ? { name: 'b', shape: [1, outFeatures], regularized: false, value: backend.alloc(outFeatures), grad: backend.alloc(outFeatures) }
      : null;
    this.z = backend.alloc(capacity * outFeatures);
    this.zViews = new PrefixViews(this.z);
    this.dx = needsInputGrad ? backend.alloc(capacity * inFeatures) : backend.alloc(0);
    this.dxViews = new PrefixViews(this.dx);
  }

  params(): Param[] {
    return this.bias ? [this.weights, this.bias] : [this.weights];
  }

  private zRows(rows: number): FloatArray {
    return this.zViews.get(rows * this.outFeatures);
  }

  forward(x: FloatArray, rows: number): FloatArray {
    this.input = x;
    const z = this.zRows(rows);
    this.backend.gemm(false, false, rows, this.outFeatures, this.inFeatures, x, this.weights.value, 0, z);
    if (this.bias) this.backend.addRowVector(rows, this.outFeatures, z, this.bias.value, z);
    return z;
  }

  /**
   * This layer's forward and then `activation`'s (the layer after it, or none) in one backend call
   * where the backend has one (Backend.denseForward): the same state and bits as the two forward
   * calls. Returns the output (the activation's, else Z), or null when the backend declined.
   */
  forwardFused(x: FloatArray, rows: number, activation: ActivationLayer | null): FloatArray | null {
    const fused = this.backend.denseForward;
    if (fused === undefined) return null;
    const z = this.zRows(rows);
    const a = activation === null ? null : activation.outputFor(z, rows);
    if (!fused.call(this.backend, rows, this.inFeatures, this.outFeatures, x, this.weights.value, this.bias?.value ?? null, z,
      activation?.activation ?? null, a, activation?.slope ?? 0)) return null;
    this.input = x;
    return a ?? z;
  }

  backward(dz: FloatArray, rows: number): FloatArray {
    if (!this.input) throw new Error('Dense.backward before forward');
    const { backend, inFeatures: nIn, outFeatures: nOut } = this;
    backend.gemm(true, false, nIn, nOut, rows, this.input, dz, 0, this.weights.grad); // dW = Xᵀ·dZ
    if (this.bias) backend.sumRows(rows, nOut, dz, this.bias.grad); // db = Σ_rows dZ
    if (!this.needsInputGrad) return this.dx;
    const dx = this.dxViews.get(rows * nIn);
    backend.gemm(false, true, rows, nIn, nOut, dz, this.weights.value, 0, dx); // dX = dZ·Wᵀ
    return dx;
  }
}
