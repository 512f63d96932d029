import type { EarlyStoppingConfig, MonitorKind } from '../../shared/config';
import type { EpochSummary } from '../../shared/protocol';

export interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number;
  wait: number;
}

/**
 * Stops when the monitored value has not improved by more than `minDelta` for `patience`
 * epochs. The caller keeps a copy of the parameters at `bestEpoch` and restores it at the end
 * of training, however training ends (finished, stopped, early-stopped).
 */
export class EarlyStopping {
  state: EarlyStoppingState = { best: null, bestEpoch: 0, wait: 0 };

  constructor(readonly config: EarlyStoppingConfig) {}

  static monitored(monitor: MonitorKind, s: EpochSummary): number | null {
    switch (monitor) {
      case 'devLoss': return s.devCost;
      case 'devError': return s.devError;
      case 'trainLoss': return s.trainCost;
    }
  }

  /** Records an epoch; says whether it is a new best and whether to stop now. */
  observe(summary: EpochSummary): { improved: boolean; stop: boolean } {
    const value = EarlyStopping.monitored(this.config.monitor, summary);
    if (value === null || !Number.isFinite(value)) return { improved: false, stop: false };
    const s = this.state;
    const improved = s.best === null || value < s.best - this.config.minDelta;
    if (improved) {
      s.best = value;
      s.bestEpoch = summary.epoch;
      s.wait = 0;
    } else {
      s.wait++;
    }
    return { improved, stop: this.config.enabled && s.wait >= this.config.patience };
  }
}
