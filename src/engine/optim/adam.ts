import type { Backend } from '../backend/backend';
import type { Param } from '../model/layers/layer';
import { Optimizer } from './optimizer';

/**
 * Adam: momentum and RMSprop together, each bias-corrected by 1/(1−β^t) so the zero-initialised
 * averages are not too small in the first steps (t counts updates from 1).
 */
export class Adam extends Optimizer {
  readonly type = 'adam';

  constructor(backend: Backend, readonly beta1: number, readonly beta2: number, readonly epsilon: number) {
    super(backend, ['m', 'v']);
  }

  protected apply(p: Param, index: number, lr: number): void {
    const [m, v] = this.slotsFor(index, p.value.length);
    this.backend.adamUpdate(p.value.length, p.value, p.grad, m, v, {
      lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon,
      biasCorrection1: 1 - Math.pow(this.beta1, this.step),
      biasCorrection2: 1 - Math.pow(this.beta2, this.step),
    });
  }
}
