import type { LrFindOptions, LrFindResult } from '../../shared/diagnosis';
import { lrRangeTest } from '../diagnostics/lr-finder';
import type { RunSetup } from './setup';

/**
 * The range test on a run's own network, optimizer and training data, from its current weights;
 * everything is restored afterwards (see lrRangeTest), so the run continues untouched.
 */
export function findLearningRate(setup: RunSetup, options: Partial<LrFindOptions>,
  context: { iteration: number; currentLr: number }): LrFindResult {
  const { net, optimizer, data, trainGatherer, batchSize, rngs, config } = setup;
  return lrRangeTest({
    net, optimizer, train: data.train, gatherer: trainGatherer, batchSize,
    regularization: config.training.regularization, dropoutRng: rngs.dropout, seed: config.seed,
  }, options, { from: context.iteration === 0 ? 'initial' : 'current', ...context });
}
