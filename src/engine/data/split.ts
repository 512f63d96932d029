import type { Rng } from '../util/rng';
import type { Dataset } from './dataset';
import type { Features } from './features';
import { subset } from './subset';

export { subset } from './subset';
export { compareLabelDistributions, labelDistribution } from './distribution';

export interface SplitRatios {
  train: number;
  dev: number;
  test: number;
}

export interface SplitOptions {
  /** Keep each class's share the same in every split (±1 sample per class). Ignored for regression. */
  stratify?: boolean;
}

export interface Splits<X extends Features = Features> {
  train: Dataset<X>;
  dev: Dataset<X>;
  test: Dataset<X>;
  /** Which rows of the source went where, for the run record. */
  indices: { train: Int32Array; dev: Int32Array; test: Int32Array };
}

const SPLITS = ['train', 'dev', 'test'] as const;

/**
 * Seeded random split by ratio (60/20/20 for small data, 98/1/1 for big data both work). Sizes by
 * largest remainder, so they sum to the count exactly; a split with a ratio > 0 gets at least one
 * sample when there are enough samples for that. A zero ratio gives an empty split.
 */
export function splitDataset<X extends Features>(ds: Dataset<X>, ratios: SplitRatios, rng: Rng, options: SplitOptions = {}): Splits<X> {
  const r = SPLITS.map((s) => ratios[s]);
  if (r.some((v) => !(v >= 0) || !Number.isFinite(v))) {
    throw new RangeError(`split ratios must be finite and ≥ 0, got ${JSON.stringify(ratios)}`);
  }
  const sum = r[0] + r[1] + r[2];
  if (Math.abs(sum - 1) > 1e-9) throw new RangeError(`split ratios must sum to 1, got ${sum}`);
  const sizes = splitSizes(ds.count, r);
  const order = options.stratify && ds.task !== 'regression' ? stratifiedOrder(ds, rng) : rng.permutation(ds.count);
  const parts: Int32Array[] = [];
  let start = 0;
  for (const size of sizes) {
    const part = order.slice(start, start + size);
    // The stratified order cycles through the classes; shuffle so no split keeps that pattern.
    rng.shuffle(part);
    parts.push(part);
    start += size;
  }
  const indices = { train: parts[0], dev: parts[1], test: parts[2] };
  return {
    train: subset(ds, indices.train, `${ds.name} (train)`),
    dev: subset(ds, indices.dev, `${ds.name} (dev)`),
    test: subset(ds, indices.test, `${ds.name} (test)`),
    indices,
  };
}

/** Largest-remainder apportionment (ties go to the earlier split), then the non-empty guarantee. */
export function splitSizes(count: number, ratios: readonly number[]): number[] {
  const exact = ratios.map((v) => v * count);
  const sizes = exact.map(Math.floor);
  let left = count - sizes.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((_, i) => i).sort((a, b) => exact[b] - sizes[b] - (exact[a] - sizes[a]) || a - b);
  for (let k = 0; left > 0; k = (k + 1) % sizes.length, left--) sizes[byRemainder[k]]++;
  const wanted = ratios.filter((v) => v > 0).length;
  if (count >= wanted) {
    ratios.forEach((v, i) => {
      if (v > 0 && sizes[i] === 0) {
        const largest = sizes.indexOf(Math.max(...sizes));
        sizes[largest]--;
        sizes[i]++;
      }
    });
  }
  return sizes;
}

/**
 * Every class shuffled, then merged by the key (k + u_c) / n_c (k-th member of class c, u_c a
 * random phase): every contiguous run of this order holds each class in proportion to its size,
 * ±1. Cutting it into train/dev/test therefore stratifies while keeping the exact split sizes.
 */
function stratifiedOrder(ds: Dataset, rng: Rng): Int32Array {
  const members: number[][] = ds.classes.map(() => []);
  for (let i = 0; i < ds.count; i++) members[ds.y[i]].push(i);
  const keyed: { row: number; key: number; cls: number }[] = [];
  members.forEach((rows, cls) => {
    rng.shuffle(rows);
    const phase = rng.uniform();
    rows.forEach((row, k) => keyed.push({ row, key: (k + phase) / rows.length, cls }));
  });
  keyed.sort((a, b) => a.key - b.key || a.cls - b.cls);
  return Int32Array.from(keyed, (e) => e.row);
}
