import type { Param } from '../model/layers/layer';
import { Optimizer } from './optimizer';
import type { Backend } from '../backend/backend';

/** Plain gradient descent: W −= α·dW. */
export class GradientDescent extends Optimizer {
  readonly type = 'gd';

  constructor(backend: Backend) {
    super(backend, []);
  }

  /** Δw = −lr·g. */
  override maxStep(lr: number, gradBound: number): number {
    return lr * gradBound;
  }

  protected apply(p: Param, _index: number, lr: number): void {
    this.backend.axpy(p.value.length, -lr, p.grad, p.value);
  }
}
