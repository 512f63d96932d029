import type { Dataset } from '../data/dataset';
import type { Network } from './network';

/**
 * Output bias set to what a network that knows nothing but the targets' distribution would
 * predict (Karpathy's "init well"): log-odds of the positive class (sigmoid), log class priors
 * (softmax, up to the constant softmax ignores), the target means (linear). The first iterations
 * then learn from the inputs instead of spending themselves on the class frequencies.
 */
export function initOutputBias(net: Network, train: Dataset): void {
  const bias = net.blocks[net.blocks.length - 1].dense.bias;
  if (!bias || train.count === 0) return;
  const b = bias.value;
  if (net.spec.loss === 'mse') {
    const t = train.targets;
    for (let j = 0; j < t; j++) {
      let sum = 0;
      for (let i = 0; i < train.count; i++) sum += train.y[i * t + j];
      b[j] = sum / train.count;
    }
    return;
  }
  const prior = classPrior(train);
  // A class absent from the training split gets half an example's worth, not log 0.
  const floor = 0.5 / train.count;
  if (net.spec.loss === 'sigmoidBce') {
    const p = Math.min(1 - floor, Math.max(floor, prior[1] ?? 0));
    b[0] = Math.log(p / (1 - p));
    return;
  }
  for (let c = 0; c < b.length; c++) b[c] = Math.log(Math.max(floor, prior[c] ?? 0));
}

/** Fraction of the examples in each class (by class index). */
export function classPrior(train: Dataset): number[] {
  const counts = new Array<number>(Math.max(2, train.classes.length)).fill(0);
  for (let i = 0; i < train.count; i++) counts[train.y[i]]++;
  return counts.map((n) => n / Math.max(1, train.count));
}
