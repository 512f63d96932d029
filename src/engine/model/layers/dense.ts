import type { Backend, FloatArray } from '../../backend/backend';
import type { Layer, Param } from './layer';

/** Z = X·W + b with W (in × out). Without bias when batch norm follows (β takes its role). */
export class Dense implements Layer {
  readonly kind = 'dense';
  readonly weights: Param;
  readonly bias: Param | null;
  private readonly z: FloatArray;
  private readonly dx: FloatArray;
  private input: FloatArray | null = null;

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
    this.dx = needsInputGrad ? backend.alloc(capacity * inFeatures) : backend.alloc(0);
  }

  params(): Param[] {
    return this.bias ? [this.weights, this.bias] : [this.weights];
  }

  forward(x: FloatArray, rows: number): FloatArray {
    this.input = x;
    const z = this.z.subarray(0, rows * this.outFeatures);
    this.backend.gemm(false, false, rows, this.outFeatures, this.inFeatures, x, this.weights.value, 0, z);
    if (this.bias) this.backend.addRowVector(rows, this.outFeatures, z, this.bias.value, z);
    return z;
  }

  backward(dz: FloatArray, rows: number): FloatArray {
    if (!this.input) throw new Error('Dense.backward before forward');
    const { backend, inFeatures: nIn, outFeatures: nOut } = this;
    backend.gemm(true, false, nIn, nOut, rows, this.input, dz, 0, this.weights.grad); // dW = Xᵀ·dZ
    if (this.bias) backend.sumRows(rows, nOut, dz, this.bias.grad); // db = Σ_rows dZ
    if (!this.needsInputGrad) return this.dx;
    const dx = this.dx.subarray(0, rows * nIn);
    backend.gemm(false, true, rows, nIn, nOut, dz, this.weights.value, 0, dx); // dX = dZ·Wᵀ
    return dx;
  }
}
