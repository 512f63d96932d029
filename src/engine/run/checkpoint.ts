import type { OptimizerState } from '../optim/optimizer';
import type { RngState } from '../util/rng';
import type { EarlyStoppingState } from '../train/early-stopping';
import type { ScheduleState } from '../optim/schedules';
import type { GradNormState } from '../diagnostics/grad-norms';

/** Tensors are number arrays in memory and in version 1 files, typed copies when the trainer takes a checkpoint. */
type ModelState = { params: { name: string; block: number; shape: readonly [number, number]; data: ArrayLike<number> }[]; running: ArrayLike<number>[] };

/**
 * Everything needed to continue a run exactly where it was: parameters and batch-norm running
 * statistics, optimizer slots and step, RNG streams, position inside the epoch (with its
 * permutation), the learning rate in force, early-stopping state and the sealed-test look count.
 */
export interface Checkpoint {
  format: 'gradient-lab-checkpoint';
  version: 1;
  name: string;
  iteration: number;
  epoch: number;
  batchInEpoch: number;
  permutation: number[] | null;
  model: ModelState;
  optimizer: OptimizerState;
  rng: { shuffle: RngState; dropout: RngState; augment: RngState };
  /** `base` and the plateau's fields are the schedule's state (ScheduleState); `current` the rate in force. */
  learningRate: ScheduleState & { current: number };
  /** The unclipped gradient norms so far (absent in checkpoints of earlier versions). */
  gradNorms?: GradNormState;
  earlyStopping: EarlyStoppingState;
  best: ModelState | null;
  testLooks: number;
  gradChecks: number;
  savedAt: string;
}

export function isCheckpoint(value: unknown): value is Checkpoint {
  const c = value as Partial<Checkpoint> | null;
  return typeof c === 'object' && c !== null && c.format === 'gradient-lab-checkpoint' && c.version === 1
    && typeof c.iteration === 'number' && typeof c.model === 'object';
}
