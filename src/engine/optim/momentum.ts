import type { Backend } from '../backend/backend';
import type { Param } from '../model/layers/layer';
import { Optimizer } from './optimizer';

/** Momentum as in the course: v = βv + (1−β)dW (an EWA of gradients over ~1/(1−β) steps); W −= α·v. */
export class Momentum extends Optimizer {
  readonly type = 'momentum';

  constructor(backend: Backend, readonly beta: number) {
    super(backend, ['v']);
  }

  protected apply(p: Param, index: number, lr: number): void {
    const [v] = this.slotsFor(index, p.value.length);
    this.backend.momentumUpdate(p.value.length, p.value, p.grad, v, lr, this.beta);
  }
}
