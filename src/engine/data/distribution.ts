import type { Dataset } from './dataset';
import { chiSquareSurvival } from './chi-square';

export interface LabelDistribution {
  classes: string[];
  counts: number[];
  /** counts / total; all zero for an empty set. */
  fractions: number[];
  total: number;
}

/** Class histogram of a classification set; empty arrays for regression. */
export function labelDistribution(ds: Dataset): LabelDistribution {
  if (ds.task === 'regression') return { classes: [], counts: [], fractions: [], total: 0 };
  const counts = ds.classes.map(() => 0);
  for (let i = 0; i < ds.count; i++) counts[ds.y[i]]++;
  const total = ds.count;
  return { classes: [...ds.classes], counts, fractions: counts.map((c) => (total > 0 ? c / total : 0)), total };
}

/** Total variation above this means at least 10% of the probability mass sits in different classes. */
export const TV_THRESHOLD = 0.1;
/** …and a χ² homogeneity test must reject "same distribution" at this level, so small sets don't cry wolf. */
export const P_THRESHOLD = 0.01;

/**
 * The course's rule: dev and test must come from the same distribution. Returns a warning when
 * their label distributions differ clearly — total variation ½Σ|p−q| > 0.1 AND a χ² test of
 * homogeneity on the 2×k count table gives p < 0.01 — otherwise null. Classes are matched by name,
 * so sets loaded from separate sources compare correctly. Regression or empty sets: null.
 */
export function compareLabelDistributions(dev: Dataset, test: Dataset): string | null {
  const a = labelDistribution(dev);
  const b = labelDistribution(test);
  if (dev.task === 'regression' || test.task === 'regression' || a.total === 0 || b.total === 0) return null;
  const names = [...new Set([...a.classes, ...b.classes])];
  const countOf = (d: LabelDistribution, name: string): number => {
    const i = d.classes.indexOf(name);
    return i < 0 ? 0 : d.counts[i];
  };
  const rows = names
    .map((name) => ({ name, dev: countOf(a, name), test: countOf(b, name) }))
    .filter((r) => r.dev + r.test > 0);
  if (rows.length < 2) return null;
  const tv = 0.5 * rows.reduce((s, r) => s + Math.abs(r.dev / a.total - r.test / b.total), 0);
  const n = a.total + b.total;
  let chi2 = 0;
  for (const r of rows) {
    const column = r.dev + r.test;
    for (const [observed, rowTotal] of [[r.dev, a.total], [r.test, b.total]]) {
      const expected = (rowTotal * column) / n;
      chi2 += ((observed - expected) * (observed - expected)) / expected;
    }
  }
  const p = chiSquareSurvival(chi2, rows.length - 1);
  if (tv <= TV_THRESHOLD || p >= P_THRESHOLD) return null;
  const worst = [...rows]
    .sort((x, y) => Math.abs(y.dev / a.total - y.test / b.total) - Math.abs(x.dev / a.total - x.test / b.total))
    .slice(0, 5)
    .map((r) => `'${r.name}' ${percent(r.dev / a.total)} vs ${percent(r.test / b.total)}`)
    .join(', ');
  return (
    `dev (${dev.name}) and test (${test.name}) label distributions differ clearly ` +
    `(total variation ${tv.toFixed(2)}, χ² p = ${p.toExponential(1)}): ${worst}. ` +
    'Dev and test should come from the same distribution, or tuning on dev will not carry over to test.'
  );
}

function percent(f: number): string {
  return `${(100 * f).toFixed(1)}%`;
}
