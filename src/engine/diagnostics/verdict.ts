import type { Verdict } from '../../shared/protocol';

/**
 * The course's bias/variance reading: avoidable bias = train error − human-level error (a proxy
 * for Bayes error), variance = dev error − train error. A gap counts as high above `threshold`
 * (default 2 percentage points of error, or 10 % of the train error for regression-sized errors),
 * and the larger gap is what to fix first.
 */
export function biasVarianceVerdict(epoch: number, humanLevelError: number, trainError: number, devError: number,
  threshold = 0.02, humanLevel?: { source: NonNullable<Verdict['humanLevelSource']>; note: string }): Verdict {
  const avoidableBias = trainError - humanLevelError;
  const variance = devError - trainError;
  const highBias = avoidableBias > threshold;
  const highVariance = variance > threshold;
  const diagnosis = highBias && highVariance ? 'highBiasAndVariance' : highBias ? 'highBias' : highVariance ? 'highVariance' : 'fine';
  const biasRemedies = ['Bigger network (more units or layers)', 'Train longer / a better optimizer (Adam)', 'Try a different architecture'];
  const varianceRemedies = ['More training data (or data augmentation)', 'Regularisation: L2, dropout', 'Early stopping', 'Try a different architecture'];
  const remedies = diagnosis === 'highBias' ? biasRemedies
    : diagnosis === 'highVariance' ? varianceRemedies
      : diagnosis === 'highBiasAndVariance'
        ? (avoidableBias >= variance ? [...biasRemedies, ...varianceRemedies] : [...varianceRemedies, ...biasRemedies])
        : [];
  const verdict: Verdict = { epoch, humanLevelError, trainError, devError, avoidableBias, variance, diagnosis, remedies };
  if (humanLevel) {
    verdict.humanLevelSource = humanLevel.source;
    verdict.humanLevelNote = humanLevel.note;
    // Nothing known about the noise: a "high bias" may be the data's, not the model's.
    if (humanLevel.source === 'assumed' && highBias) remedies.push('Set diagnostics.humanLevelError if the data is noisy (this verdict assumes 0 %)');
  }
  return verdict;
}
