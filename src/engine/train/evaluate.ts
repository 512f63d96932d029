import type { Dataset } from '../data/dataset';
import { INFERENCE } from '../model/layers/layer';
import type { Network } from '../model/network';
import { BatchGatherer } from './batches';

export interface Evaluation {
  /** Mean data loss (without the regularisation term, so train and dev compare like for like). */
  cost: number;
  /** Classification: fraction misclassified. Regression: RMSE. */
  error: number;
  /** Predicted class per sample (classification only). */
  predictions?: Int32Array;
}

/**
 * Inference-mode pass over a whole data set in chunks of the network's capacity, or over the rows
 * `sample` of it (ascending indices; predictions are then per sampled row, in that order).
 */
export function evaluate(net: Network, data: Dataset, gatherer: BatchGatherer, wantPredictions = false,
  sample: Int32Array | null = null): Evaluation {
  const chunk = gatherer.capacity;
  const classification = data.task !== 'regression';
  const count = sample ? sample.length : data.count;
  const predictions = wantPredictions && classification ? new Int32Array(count) : undefined;
  let costSum = 0;
  let errors = 0;
  for (let start = 0; start < count; start += chunk) {
    const rows = Math.min(chunk, count - start);
    const batch = sample ? gatherer.gather(sample, start, rows) : gatherer.range(start, rows);
    const logits = net.forward(batch.x, rows, INFERENCE);
    costSum += net.loss.forward(logits, rows, batch.y, false).cost * rows;
    errors += net.loss.countErrors(logits, rows, batch.y, predictions?.subarray(start, start + rows));
  }
  const m = Math.max(1, count);
  const error = classification ? errors / m : Math.sqrt(errors / (m * data.targets));
  return { cost: costSum / m, error, predictions };
}
