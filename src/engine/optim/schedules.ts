import type { LrDecayConfig } from '../../shared/config';
import type { EpochSummary } from '../../shared/protocol';
import { EarlyStopping } from '../train/early-stopping';

/**
 * Learning-rate decay as a factor of the base rate α0, by completed epochs e:
 *   inverseTime α0/(1 + rate·⌊e/every⌋); exponential α0·rate^e; sqrt α0·k/√(e+1);
 *   step α0·rate^⌊e/every⌋ (a staircase).
 */
export function decayFactor(decay: Extract<LrDecayConfig, { type: 'none' | 'inverseTime' | 'exponential' | 'sqrt' | 'step' }>, epoch: number): number {
  switch (decay.type) {
    case 'none': return 1;
    case 'inverseTime': return 1 / (1 + decay.rate * Math.floor(epoch / decay.every));
    case 'exponential': return Math.pow(decay.rate, epoch);
    case 'sqrt': return decay.k / Math.sqrt(epoch + 1);
    case 'step': return Math.pow(decay.rate, Math.floor(epoch / decay.every));
  }
}

/** Where the run is: completed epochs, and completed iterations (the step about to be taken). */
export interface SchedulePosition {
  epoch: number;
  iteration: number;
}

/** What per-iteration schedules need to know of the run. */
export interface RunLength {
  epochs: number;
  iterationsPerEpoch: number;
}

/** A schedule's state for a checkpoint: `base` always (the peak, or the plateau's current rate). */
export interface ScheduleState {
  base: number;
  best?: number | null;
  bad?: number;
  cooldown?: number;
}

/**
 * At a position a shaped schedule is lr = floor + (base − floor)·shape: one free parameter, the
 * base (α0, the peak). A mid-run override to v solves for it, base = floor + (v − floor)/shape, and
 * the shape continues from v. With floor 0 that is α0 = v/factor, the rule of the epoch decays; for
 * the cosine it is what PyTorch's chainable CosineAnnealingLR does after a manual change,
 * lr_{t+1} = floor + (lr_t − floor)·shape_{t+1}/shape_t.
 */
interface Profile {
  floor: number;
  shape: number;
}

/** The learning rate in force: a schedule with its state (possibly overridden mid-run). */
export interface LearningRate {
  /** Whether the rate changes within an epoch (warmupCosine, oneCycle): then it is asked before every step. */
  readonly perIteration: boolean;
  at(p: SchedulePosition): number;
  /** Sets the rate at `p`; the schedule continues from it. */
  override(value: number, p: SchedulePosition): void;
  /** End of epoch (reduceOnPlateau): the change it makes, or null. */
  observe(summary: EpochSummary): { from: number; to: number } | null;
  exportState(): ScheduleState;
  importState(s: ScheduleState): void;
  readonly baseRate: number;
}

class ShapedRate implements LearningRate {
  constructor(private base: number, private readonly profile: (p: SchedulePosition) => Profile, readonly perIteration: boolean) {}

  at(p: SchedulePosition): number {
    const { floor, shape } = this.profile(p);
    return floor + (this.base - floor) * shape;
  }

  override(value: number, p: SchedulePosition): void {
    const { floor, shape } = this.profile(p);
    if (shape > 0) this.base = floor + (value - floor) / shape;
  }

  observe(): null {
    return null;
  }

  exportState(): ScheduleState {
    return { base: this.base };
  }

  importState(s: ScheduleState): void {
    this.base = s.base;
  }

  get baseRate(): number {
    return this.base;
  }
}

type PlateauConfig = Extract<LrDecayConfig, { type: 'reduceOnPlateau' }>;

/**
 * Keras's ReduceLROnPlateau, counted as PyTorch's: an epoch improves when value < best − minDelta;
 * otherwise it is bad; during `cooldown` epochs after a reduction bad epochs are not counted; after
 * `patience` bad epochs lr ← max(lr·factor, minLr) (if that lowers it). Keras's patience p is
 * PyTorch's p − 1; Keras's cooldown c ignores c − 1 epochs (an off-by-one), PyTorch's c, as here.
 * The rate is state, so an override simply replaces it and later reductions start from it.
 */
class PlateauRate implements LearningRate {
  readonly perIteration = false;
  private best: number | null = null;
  private bad = 0;
  private cooldownLeft = 0;

  constructor(private lr: number, private readonly config: PlateauConfig) {}

  at(): number {
    return this.lr;
  }

  override(value: number): void {
    this.lr = value;
  }

  observe(summary: EpochSummary): { from: number; to: number } | null {
    const value = EarlyStopping.monitored(this.config.monitor, summary);
    if (value === null || !Number.isFinite(value)) return null;
    if (this.best === null || value < this.best - this.config.minDelta) {
      this.best = value;
      this.bad = 0;
    } else {
      this.bad++;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.bad = 0;
    }
    if (this.bad < this.config.patience) return null;
    this.bad = 0;
    this.cooldownLeft = this.config.cooldown;
    const from = this.lr;
    const to = Math.max(from * this.config.factor, this.config.minLr);
    if (!(to < from)) return null;
    this.lr = to;
    return { from, to };
  }

  exportState(): ScheduleState {
    return { base: this.lr, best: this.best, bad: this.bad, cooldown: this.cooldownLeft };
  }

  importState(s: ScheduleState): void {
    this.lr = s.base;
    this.best = s.best ?? null;
    this.bad = s.bad ?? 0;
    this.cooldownLeft = s.cooldown ?? 0;
  }

  get baseRate(): number {
    return this.lr;
  }
}

/** Iterations of warmup for a warmupCosine config (epochs are converted and rounded). */
export function warmupIterations(decay: Extract<LrDecayConfig, { type: 'warmupCosine' }>, length: RunLength): number {
  return decay.warmupUnit === 'iterations' ? Math.round(decay.warmup) : Math.round(decay.warmup * length.iterationsPerEpoch);
}

/**
 * Warmup then cosine, for step t of T = epochs·iterationsPerEpoch, w warmup steps, peak α:
 *   t < w: α·(t+1)/w (PyTorch's LinearLR from 1/w to 1 over w − 1 steps: the w-th step is at α);
 *   t ≥ w: minLr + (α − minLr)·(1 + cos(π(t − w)/(T − w)))/2 (CosineAnnealingLR, T_max = T − w).
 */
function warmupCosineProfile(decay: Extract<LrDecayConfig, { type: 'warmupCosine' }>, length: RunLength): (p: SchedulePosition) => Profile {
  const total = length.epochs * length.iterationsPerEpoch;
  const w = Math.min(warmupIterations(decay, length), total);
  return ({ iteration: t }) => {
    if (t < w) return { floor: 0, shape: (t + 1) / w };
    const span = total - w;
    return { floor: decay.minLr, shape: span > 0 ? (1 + Math.cos(Math.PI * Math.min(t - w, span) / span)) / 2 : 1 };
  };
}

/**
 * One-cycle as PyTorch's OneCycleLR (two phases, cosine annealing) with fastai's parameters: T steps,
 * phase 1 ends at step pctStart·T − 1 rising from α/div to α, phase 2 ends at step T − 1 falling to
 * α/finalDiv; in each phase pct = (t − start)/(end − start) and lr = end + (start − end)·(1 + cos πpct)/2.
 * A phase of zero length (pctStart·T = 1) is at its end (PyTorch divides 0 by 0 there).
 */
function oneCycleProfile(decay: Extract<LrDecayConfig, { type: 'oneCycle' }>, length: RunLength): (p: SchedulePosition) => Profile {
  const total = length.epochs * length.iterationsPerEpoch;
  const phases = [
    { end: decay.pctStart * total - 1, from: 1 / decay.div, to: 1 },
    { end: total - 1, from: 1, to: 1 / decay.finalDiv },
  ];
  const anneal = (from: number, to: number, pct: number): number => to + (from - to) / 2 * (Math.cos(Math.PI * pct) + 1);
  return ({ iteration: t }) => {
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[i];
      if (t <= phase.end || i === phases.length - 1) {
        const width = phase.end - start;
        const pct = width > 0 ? Math.min(1, (t - start) / width) : 1;
        return { floor: 0, shape: anneal(phase.from, phase.to, pct) };
      }
      start = phase.end;
    }
    return { floor: 0, shape: 1 };
  };
}

/** The schedule of `decay` starting at `base` (the optimizer's learning rate). */
export function createLearningRate(base: number, decay: LrDecayConfig, length: RunLength): LearningRate {
  switch (decay.type) {
    case 'reduceOnPlateau': return new PlateauRate(base, decay);
    case 'warmupCosine': return new ShapedRate(base, warmupCosineProfile(decay, length), true);
    case 'oneCycle': return new ShapedRate(base, oneCycleProfile(decay, length), true);
    default: return new ShapedRate(base, ({ epoch }) => ({ floor: 0, shape: decayFactor(decay, epoch) }), false);
  }
}
