import type { Backend } from '../backend/backend';
import type { Param } from '../model/layers/layer';
import { Optimizer } from './optimizer';

/** RMSprop: s = β2·s + (1−β2)dW²; W −= α·dW/(√s + ε). Damps directions that oscillate. */
export class RmsProp extends Optimizer {
  readonly type = 'rmsprop';

  constructor(backend: Backend, readonly beta2: number, readonly epsilon: number) {
    super(backend, ['s']);
  }

  protected apply(p: Param, index: number, lr: number): void {
    const [s] = this.slotsFor(index, p.value.length);
    this.backend.rmspropUpdate(p.value.length, p.value, p.grad, s, lr, this.beta2, this.epsilon);
  }
}
