/**
 * The rungs of ASHA and Hyperband (docs/search.md), in epochs: what the policy decides at, what
 * the views mark. Pure.
 *
 * ASHA (Li et al., "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020) with
 * minimum resource r = minEpochs, reduction factor η and maximum R = maxEpochs has rungs at
 * r·η^k epochs for k = 0, 1, … below R. Hyperband (Li et al., JMLR 2018) runs brackets b = 0 … B−1,
 * bracket b being ASHA with the early-stopping rate s = b: rungs at r·η^(b+k) (Optuna's
 * HyperbandPruner: SuccessiveHalvingPruner(min_early_stopping_rate = b)), B = ⌊log_η(R/r)⌋ + 1.
 */
import type { EarlyTerminationConfig } from './config';

export const DEFAULT_ETA = 3;

export interface RungPlan {
  kind: 'asha' | 'hyperband';
  eta: number;
  minEpochs: number;
  maxEpochs: number;
  /** Rung epochs per bracket, ascending (ASHA: one bracket). A bracket may have none (its trials run to the end). */
  brackets: number[][];
}

/** ⌊log_η(max/min)⌋ + 1, in whole numbers: how many b ≥ 0 have min·η^b ≤ max. */
export function bracketCount(minEpochs: number, maxEpochs: number, eta: number): number {
  let n = 0;
  for (let r = minEpochs; r <= maxEpochs; r *= eta) n++;
  return Math.max(1, n);
}

/** The rungs of an asha/hyperband rule for trials of `epochsPerTrial` epochs; null for none/median. */
export function rungPlan(rule: EarlyTerminationConfig, epochsPerTrial: number): RungPlan | null {
  if (rule.type !== 'asha' && rule.type !== 'hyperband') return null;
  const eta = rule.eta ?? DEFAULT_ETA;
  const minEpochs = rule.minEpochs ?? Math.max(1, rule.graceEpochs);
  const maxEpochs = Math.min(rule.maxEpochs ?? epochsPerTrial, epochsPerTrial);
  const count = rule.type === 'asha' ? 1 : Math.min(rule.brackets ?? Infinity, bracketCount(minEpochs, maxEpochs, eta));
  const brackets: number[][] = [];
  for (let b = 0; b < count; b++) {
    const rungs: number[] = [];
    for (let r = minEpochs * eta ** b; r < maxEpochs; r *= eta) rungs.push(r);
    brackets.push(rungs);
  }
  return { kind: rule.type, eta, minEpochs, maxEpochs, brackets };
}

/** The rung epochs of a trial's bracket (none outside asha/hyperband). */
export function rungsOf(plan: RungPlan | null, bracket: number | undefined): readonly number[] {
  if (!plan) return [];
  return plan.brackets[Math.min(plan.brackets.length - 1, Math.max(0, bracket ?? 0))] ?? [];
}
