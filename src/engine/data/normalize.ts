import type { Dataset } from './dataset';
import { CODES, decodeRow, isCoded, type Features } from './features';

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
  const { count: m, features: n } = train;
  if (m === 0) throw new RangeError(`cannot fit z-score on ${train.name}: it has no samples`);
  const row = rowReader(train.x, n);
  const mean = new Array<number>(n).fill(0);
  const std = new Array<number>(n).fill(0);
  for (let i = 0; i < m; i++) {
    const { values, at } = row(i);
    for (let j = 0; j < n; j++) mean[j] += values[at + j];
  }
  for (let j = 0; j < n; j++) mean[j] /= m;
  for (let i = 0; i < m; i++) {
    const { values, at } = row(i);
    for (let j = 0; j < n; j++) {
      const d = values[at + j] - mean[j];
      std[j] += d * d;
    }
  }
  for (let j = 0; j < n; j++) {
    const s = Math.sqrt(std[j] / m);
    std[j] = s <= 1e-12 * Math.max(1, Math.abs(mean[j])) ? 1 : s;
  }
  return { mean, std };
}

/** Row i's float64 values as (array, offset): the data itself, or one reused decoded row. */
function rowReader(x: Features, n: number): (i: number) => { values: Float64Array; at: number } {
  if (!isCoded(x)) return (i) => ({ values: x, at: i * n });
  const values = new Float64Array(n);
  return (i) => {
    decodeRow(x, i, n, values, 0);
    return { values, at: 0 };
  };
}

/**
 * A normalised copy of `ds` (x ← (x − μ)/σ); y and the rest are shared. Coded features get a new
 * table (256 values a feature, the same float64 operations per value) over the same codes.
 */
export function applyZScore<X extends Features>(ds: Dataset<X>, stats: ZScoreStats): Dataset<X> {
  const source: Features = ds.x;
  if (!isCoded(source)) {
    const x = source.slice();
    normalizeRows(x, ds.features, stats, ds.name);
    return { ...ds, x: x as X };
  }
  const table = source.table.slice();
  // Feature j's 256 entries are a row of a CODES-wide block: the same formula as normalizeRows.
  if (stats.mean.length !== ds.features || stats.std.length !== ds.features) {
    throw new RangeError(`z-score stats are for ${stats.mean.length} features, ${ds.name} has ${ds.features}`);
  }
  for (let j = 0; j < ds.features; j++) {
    for (let c = 0; c < CODES; c++) table[j * CODES + c] = (table[j * CODES + c] - stats.mean[j]) / stats.std[j];
  }
  return { ...ds, x: { ...source, table } as X };
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
