import type { Backend } from '../backend/backend';
import type { Param } from '../model/layers/layer';
import { Optimizer } from './optimizer';

/** RMSprop: s = β2·s + (1−β2)dW²; W −= α·dW/(√s + ε). Damps directions that oscillate. */
export class RmsProp extends Optimizer {
  readonly type = 'rmsprop';

  constructor(backend: Backend, readonly beta2: number, readonly epsilon: number) {
    super(backend, ['s']);
  }

  /**
   * s ≥ (1−β2)·g² after the update, so |g|/(√s + ε) ≤ 1/√(1−β2) whatever the history; ×2 for
   * float32 rounding. Where (1−β2)·g² underflows (|g| < 1e-20) the step is at most lr·1e-20/ε.
   */
  override maxStep(lr: number, _gradBound: number): number {
    if (!(this.epsilon > 0) || !(this.beta2 < 1)) return Infinity;
    return lr * Math.max(2 / Math.sqrt(1 - this.beta2), 1e-20 / this.epsilon);
  }

  protected apply(p: Param, index: number, lr: number): void {
    const [s] = this.slotsFor(index, p.value.length);
    this.backend.rmspropUpdate(p.value.length, p.value, p.grad, s, lr, this.beta2, this.epsilon);
  }
}
