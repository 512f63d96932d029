import type { AdamHyper, Backend } from '../backend/backend';
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

  /** One step's hyperparameters, shared by its parameters (rebuilt when the step or the rate changes). */
  private hyper: AdamHyper & { step: number } = {
    step: -1, lr: 0, beta1: 0, beta2: 0, epsilon: 0, biasCorrection1: 0, biasCorrection2: 0,
  };

  protected apply(p: Param, index: number, lr: number): void {
    const [m, v] = this.slotsFor(index, p.value.length);
    let h = this.hyper;
    if (h.step !== this.step || h.lr !== lr) {
      h = this.hyper = {
        step: this.step, lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon,
        biasCorrection1: 1 - Math.pow(this.beta1, this.step),
        biasCorrection2: 1 - Math.pow(this.beta2, this.step),
      };
    }
    this.backend.adamUpdate(p.value.length, p.value, p.grad, m, v, h);
  }
}
