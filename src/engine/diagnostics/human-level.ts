/**
 * The human-level error the bias/variance verdict measures avoidable bias against: the file's
 * number, or for "auto" the Bayes error of a generated set's noise where it is known, else 0 —
 * said out loud, since 0 % on noisy data reads every honest model as "high bias".
 */
import type { ExperimentConfig } from '../../shared/config';
import type { Verdict } from '../../shared/protocol';
import { estimateBayesError } from '../data/bayes-error';
import { GENERATED_KINDS, type GeneratedKind } from '../data/generators';

export interface HumanLevel {
  value: number;
  source: NonNullable<Verdict['humanLevelSource']>;
  note: string;
}

const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 2 : 1)} %`;

export function humanLevelError(config: ExperimentConfig): HumanLevel {
  const given = config.diagnostics.humanLevelError;
  if (typeof given === 'number') return { value: given, source: 'given', note: `human-level error ${pct(given)} (diagnostics.humanLevelError)` };
  const source = config.data.source;
  if (typeof source === 'string' && (GENERATED_KINDS as readonly string[]).includes(source)) {
    const estimate = estimateBayesError(source as GeneratedKind, config.data.noise);
    if (estimate) {
      return {
        value: estimate.error, source: 'bayes',
        note: `Bayes error of ${source} at noise ${config.data.noise} ≈ ${pct(estimate.error)} (±${pct(estimate.standardError)}, Monte-Carlo from the generator); set diagnostics.humanLevelError to override`,
      };
    }
  }
  return {
    value: 0, source: 'assumed',
    note: 'assuming human-level error 0 %: on noisy data set diagnostics.humanLevelError to the error a person (or the best known model) makes',
  };
}
