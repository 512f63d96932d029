import type { GradCheckReport } from '../../shared/protocol';
import { gradientCheck } from '../diagnostics/gradcheck';
import { float64Copy, type RunSetup } from './setup';

/**
 * Gradient check of the run's current weights: a float64 copy of the network on the first
 * `gradientCheck.batchSize` training rows (a fixed batch), leaving the run itself untouched.
 */
export function checkGradients(setup: RunSetup, id: string, iteration: number): GradCheckReport {
  const { config, net, data } = setup;
  const gc = config.diagnostics.gradientCheck;
  const copy = float64Copy(setup);
  copy.net.copyFrom(net);
  const rows = gc.batchSize > 0 ? Math.min(gc.batchSize, data.train.count) : data.train.count;
  const batch = copy.gatherer(data.train, rows).range(0, rows);
  return gradientCheck(copy.net, batch.x, batch.y, rows, {
    epsilon: gc.epsilon, maxEntriesPerTensor: gc.maxEntriesPerTensor, seed: config.seed, id, iteration,
    regularization: config.training.regularization,
    dropoutSwitchedOff: config.model.hidden.some((h) => h.keepProb < 1),
  });
}
