import type { AdamHyper, Backend } from '../backend/backend';
import type { Param } from '../model/layers/layer';
import { Optimizer, type OptimizerState } from './optimizer';

/**
 * Adam: momentum and RMSprop together, each bias-corrected by 1/(1−β^t) so the zero-initialised
 * averages are not too small in the first steps (t counts updates from 1).
 */
export class Adam extends Optimizer {
  readonly type = 'adam';

  constructor(backend: Backend, readonly beta1: number, readonly beta2: number, readonly epsilon: number) {
    super(backend, ['m', 'v']);
  }

  /** Whether the slots are known to keep m² ≤ C·v (see maxStep): true from zero; checked on a checkpoint's state. */
  private bounded = true;

  /**
   * m² ≤ C·v elementwise, C = (1−β1)²/((1−β2)(1−β1²/β2)), holds from zero and every update keeps it
   * when β1² < β2 ((a+b)² ≤ (1+λ)a² + (1+1/λ)b² with λ = β2/β1² − 1). So |m̂|/√v̂ ≤ √C·√(1−β2^t)/(1−β1^t)
   * whatever the gradients were (7.3 for the defaults; 1 at t = 1). ×2 for float32 rounding; where
   * v underflows (|g| < 1e-20) the step is at most lr·1e-20/(ε·(1−β1^t)). No bound when β1² ≥ β2, or
   * for a checkpoint's slots that break the invariant (written with other betas).
   */
  override maxStep(lr: number, _gradBound: number): number {
    const { beta1: b1, beta2: b2, epsilon } = this;
    if (!this.bounded || !(b1 * b1 < b2) || !(b2 < 1) || !(epsilon > 0)) return Infinity;
    const t = this.step + 1;
    const bc1 = 1 - Math.pow(b1, t);
    const ratio = ((1 - b1) / Math.sqrt((1 - b2) * (1 - (b1 * b1) / b2))) * (Math.sqrt(1 - Math.pow(b2, t)) / bc1);
    return lr * Math.max(2 * ratio, 1e-20 / (epsilon * bc1));
  }

  override importState(state: OptimizerState): void {
    super.importState(state);
    const { beta1: b1, beta2: b2 } = this;
    // 1.01: the slots' own float32 rounding.
    const c = (1.01 * (1 - b1) ** 2) / ((1 - b2) * (1 - (b1 * b1) / b2));
    const m = state.slots.m ?? [];
    const v = state.slots.v ?? [];
    this.bounded = m.every((mi, k) => {
      const vi = v[k];
      if (!mi || !vi) return !mi;
      for (let i = 0; i < mi.length; i++) if (!(mi[i] * mi[i] <= c * vi[i])) return false;
      return true;
    });
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
