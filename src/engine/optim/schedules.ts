import type { LrDecayConfig } from '../../shared/config';

/**
 * Learning-rate decay as a factor of the base rate α0, by completed epochs e:
 *   inverseTime α0/(1 + rate·⌊e/every⌋); exponential α0·rate^e; sqrt α0·k/√(e+1);
 *   step α0·rate^⌊e/every⌋ (a staircase).
 * Every schedule is α0 times a factor, so a mid-run override to α at epoch e can set
 * α0 = α / factor(e) and the schedule continues from the new value.
 */
export function decayFactor(decay: LrDecayConfig, epoch: number): number {
  switch (decay.type) {
    case 'none': return 1;
    case 'inverseTime': return 1 / (1 + decay.rate * Math.floor(epoch / decay.every));
    case 'exponential': return Math.pow(decay.rate, epoch);
    case 'sqrt': return decay.k / Math.sqrt(epoch + 1);
    case 'step': return Math.pow(decay.rate, Math.floor(epoch / decay.every));
  }
}

/** The learning rate in force: base rate (possibly overridden) times the schedule's factor. */
export class LearningRate {
  constructor(private base: number, private readonly decay: LrDecayConfig) {}

  at(epoch: number): number {
    return this.base * decayFactor(this.decay, epoch);
  }

  /** Overrides the rate from `epoch` on; later epochs keep decaying from it. */
  override(value: number, epoch: number): void {
    this.base = value / decayFactor(this.decay, epoch);
  }

  get baseRate(): number {
    return this.base;
  }
}
