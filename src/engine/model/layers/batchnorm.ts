import type { Backend, FloatArray } from '../../backend/backend';
import type { ForwardMode, Layer, Param } from './layer';

/**
 * Batch normalisation of Z per unit: ẑ = (z−μ)/√(σ²+ε), out = γẑ + β. Training uses the batch's
 * μ, σ² and folds them into running averages (EWA with `momentum`) that inference uses instead.
 */
export class BatchNorm implements Layer {
  readonly kind = 'batchNorm';
  readonly gamma: Param;
  readonly beta: Param;
  readonly runningMean: FloatArray;
  readonly runningVar: FloatArray;
  private readonly mean: FloatArray;
  private readonly variance: FloatArray;
  private readonly invStd: FloatArray;
  private readonly zHat: FloatArray;
  private readonly out: FloatArray;
  private readonly dz: FloatArray;
  private trainedForward = false;

  constructor(private readonly backend: Backend, readonly inFeatures: number, capacity: number,
    readonly momentum: number, readonly epsilon: number) {
    const n = inFeatures;
    this.gamma = { name: 'gamma', shape: [1, n], regularized: false, value: backend.alloc(n), grad: backend.alloc(n) };
    this.beta = { name: 'beta', shape: [1, n], regularized: false, value: backend.alloc(n), grad: backend.alloc(n) };
    this.gamma.value.fill(1);
    this.runningMean = backend.alloc(n);
    this.runningVar = backend.alloc(n);
    this.runningVar.fill(1);
    this.mean = backend.alloc(n);
    this.variance = backend.alloc(n);
    this.invStd = backend.alloc(n);
    this.zHat = backend.alloc(capacity * n);
    this.out = backend.alloc(capacity * n);
    this.dz = backend.alloc(capacity * n);
  }

  get outFeatures(): number {
    return this.inFeatures;
  }

  params(): Param[] {
    return [this.gamma, this.beta];
  }

  forward(z: FloatArray, rows: number, mode: ForwardMode): FloatArray {
    const cols = this.inFeatures;
    const out = this.out.subarray(0, rows * cols);
    this.trainedForward = mode.training;
    if (!mode.training) {
      this.backend.batchNormInferForward(rows, cols, z, this.gamma.value, this.beta.value, this.runningMean,
        this.runningVar, this.epsilon, out);
      return out;
    }
    this.backend.batchNormTrainForward(rows, cols, z, this.gamma.value, this.beta.value, this.epsilon,
      this.mean, this.variance, this.invStd, this.zHat.subarray(0, rows * cols), out);
    if (mode.updateRunningStats) {
      const k = this.momentum;
      for (let j = 0; j < cols; j++) {
        this.runningMean[j] = k * this.runningMean[j] + (1 - k) * this.mean[j];
        this.runningVar[j] = k * this.runningVar[j] + (1 - k) * this.variance[j];
      }
    }
    return out;
  }

  backward(dOut: FloatArray, rows: number): FloatArray {
    if (!this.trainedForward) throw new Error('BatchNorm.backward needs a training-mode forward');
    const cols = this.inFeatures;
    const dz = this.dz.subarray(0, rows * cols);
    this.backend.batchNormBackward(rows, cols, dOut, this.zHat.subarray(0, rows * cols), this.gamma.value,
      this.invStd, this.gamma.grad, this.beta.grad, dz);
    return dz;
  }
}
