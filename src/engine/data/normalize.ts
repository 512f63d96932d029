import type { Dataset } from './dataset';

/** Per-feature mean and std of the training split; plain arrays so they serialise with the model. */
export interface ZScoreStats {
  mean: number[];
  std: number[];
}

/**
 * μ and σ per feature from the TRAIN split only (fitting on dev/test would leak them into
 * training). σ is the population std (÷m, as sklearn's StandardScaler), computed in two passes
 * for accuracy. A constant feature (σ ≤ 1e-12·max(1, |μ|), i.e. zero up to rounding) gets σ = 1:
 * it is centred to 0 instead of divided by ~0. Cost O(m·n).
 */
export function fitZScore(train: Dataset): ZScoreStats {
  const { count: m, features: n, x } = train;
  if (m === 0) throw new RangeError(`cannot fit z-score on ${train.name}: it has no samples`);
  const mean = new Array<number>(n).fill(0);
  const std = new Array<number>(n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) mean[j] += x[i * n + j];
  for (let j = 0; j < n; j++) mean[j] /= m;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const d = x[i * n + j] - mean[j];
      std[j] += d * d;
    }
  }
  for (let j = 0; j < n; j++) {
    const s = Math.sqrt(std[j] / m);
    std[j] = s <= 1e-12 * Math.max(1, Math.abs(mean[j])) ? 1 : s;
  }
  return { mean, std };
}

/** A normalised copy of `ds` (x ← (x − μ)/σ); y and the rest are shared. */
export function applyZScore(ds: Dataset, stats: ZScoreStats): Dataset {
  const x = ds.x.slice();
  normalizeRows(x, ds.features, stats, ds.name);
  return { ...ds, x };
}

/**
 * In place, for any row-major block of raw inputs: a data set, or the grid points of a decision
 * boundary plot, which must go through the same transform as the training data.
 */
export function normalizeRows(x: Float64Array | Float32Array, features: number, stats: ZScoreStats, what = 'data'): void {
  if (stats.mean.length !== features || stats.std.length !== features) {
    throw new RangeError(`z-score stats are for ${stats.mean.length} features, ${what} has ${features}`);
  }
  for (let i = 0; i < x.length; i += features) {
    for (let j = 0; j < features; j++) x[i + j] = (x[i + j] - stats.mean[j]) / stats.std[j];
  }
}
