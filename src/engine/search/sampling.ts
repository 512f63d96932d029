/**
 * Random-search sampling. Each dimension of `search.space` is sampled uniformly in its *sampling
 * space* and mapped back to a value:
 *
 * | distribution          | sampling space s                     | value     | e.g.                         |
 * |-----------------------|--------------------------------------|-----------|------------------------------|
 * | `log` [a, b]          | s ~ U(log10 a, log10 b)              | 10^s      | [1e-4, 1]: α, 25 % per decade |
 * | `oneMinusLog` [a, b]  | s ~ U(log10(1 − b), log10(1 − a))    | 1 − 10^s  | [0.9, 0.999]: β, half < 0.99  |
 * | `uniform` [a, b]      | s ~ U(a, b)                          | s         |                              |
 * | `int` [a, b]          | s uniform in {a, …, b}               | s         | both ends inclusive          |
 * | `choice` [v0, v1, …]  | s uniform in {0, …, n−1}             | v_s       |                              |
 *
 * The bounds are values, as the user thinks of them; `low`/`high` of a dimension are the same
 * bounds in sampling space.
 *
 * Coarse-to-fine boxes live in the same sampling space: a range [low, high] per continuous or
 * integer dimension (integers rounded inwards), a set of indices per choice.
 *
 * Everything is seeded: trial `index` of round `round` draws from its own generator derived from
 * (seed, round, index), so the same file and seed give the same trial values whatever the order
 * in which trials start, and added trials never disturb the existing ones.
 */
import type { ExperimentConfig, SearchDistribution } from '../../shared/config';
import type { SearchBox, SearchBoxRange, SearchDimension, SearchValue } from '../../shared/search-protocol';
import { fullBox } from '../../shared/search-ranking';
import { Rng } from '../util/rng';

// The boxes are shared with the policy, the advice and the views.
export { boxOf, fullBox, insideBox } from '../../shared/search-ranking';

/** 10^x, exact for whole exponents (10^-4 is 0.0001, not 0.00009999999999999999). */
export function pow10(x: number): number {
  return Number.isInteger(x) ? Number(`1e${x}`) : Math.pow(10, x);
}

/** The dimensions of a `search.space`, in the file's key order. */
export function dimensionsOf(space: Record<string, SearchDistribution>): SearchDimension[] {
  return Object.entries(space).map(([path, dist]) => dimensionOf(path, dist));
}

export function dimensionOf(path: string, dist: SearchDistribution): SearchDimension {
  if ('log' in dist) {
    const [a, b] = dist.log;
    return { path, scale: 'log', low: Math.log10(a), high: Math.log10(b), min: a, max: b };
  }
  if ('oneMinusLog' in dist) {
    const [a, b] = dist.oneMinusLog;
    return { path, scale: 'oneMinusLog', low: Math.log10(1 - b), high: Math.log10(1 - a), min: a, max: b };
  }
  if ('uniform' in dist) {
    const [a, b] = dist.uniform;
    return { path, scale: 'uniform', low: a, high: b, min: a, max: b };
  }
  if ('int' in dist) {
    const [a, b] = dist.int;
    return { path, scale: 'int', low: a, high: b, min: a, max: b };
  }
  return { path, scale: 'choice', low: 0, high: dist.choice.length - 1, choices: [...dist.choice] };
}

/** The value's coordinate in sampling space (see the table above). */
export function toSamplingSpace(dim: SearchDimension, value: SearchValue): number {
  switch (dim.scale) {
    case 'log':
      return Math.log10(value as number);
    case 'oneMinusLog':
      return Math.log10(1 - (value as number));
    case 'uniform':
    case 'int':
      return value as number;
    case 'choice': {
      const i = dim.choices.findIndex((c) => c === value);
      if (i < 0) throw new Error(`${JSON.stringify(value)} is not one of the choices of "${dim.path}"`);
      return i;
    }
  }
}

/** The value at a sampling-space coordinate, kept inside the dimension's bounds. */
export function fromSamplingSpace(dim: SearchDimension, coord: number): SearchValue {
  if (dim.scale === 'choice') return dim.choices[Math.min(dim.choices.length - 1, Math.max(0, Math.round(coord)))];
  const clamp = (x: number): number => Math.min(dim.max, Math.max(dim.min, x));
  switch (dim.scale) {
    case 'log':
      return clamp(pow10(coord));
    case 'oneMinusLog':
      return clamp(1 - pow10(coord));
    case 'uniform':
      return clamp(coord);
    case 'int':
      return clamp(Math.round(coord));
  }
}

/** Draws one coordinate of `dim` inside `range` (the whole dimension when absent). */
export function sampleCoord(dim: SearchDimension, rng: Rng, range?: SearchBoxRange): number {
  const r = range ?? fullBox([dim])[dim.path];
  if ('indices' in r) {
    if (r.indices.length === 0) throw new Error(`empty choice set for "${dim.path}"`);
    return r.indices[rng.int(r.indices.length)];
  }
  if (dim.scale === 'int') {
    const lo = Math.ceil(r.low - 1e-9);
    const hi = Math.max(lo, Math.floor(r.high + 1e-9));
    return lo + rng.int(hi - lo + 1);
  }
  return rng.range(r.low, r.high);
}

export interface SampledPoint {
  values: Record<string, SearchValue>;
  coords: Record<string, number>;
}

/** One trial's values: every dimension sampled inside `box`, in dimension order. */
export function samplePoint(dims: readonly SearchDimension[], rng: Rng, box: SearchBox): SampledPoint {
  const values: Record<string, SearchValue> = {};
  const coords: Record<string, number> = {};
  for (const d of dims) {
    const c = sampleCoord(d, rng, box[d.path]);
    coords[d.path] = c;
    values[d.path] = fromSamplingSpace(d, c);
  }
  return { values, coords };
}

/** A 32-bit hash step (seeds of trials, Hyperband brackets). */
export function mix(h: number, x: number): number {
  let z = (h ^ (x >>> 0)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** The generator of trial `index` (0-based within its round) of round `round`. */
export function trialRng(seed: number, round: number, index: number): Rng {
  return new Rng(mix(mix(mix(0x5eed5eed, seed), round + 1), index + 1));
}

/** `search.seed`, or one derived from the experiment's seed. */
export function searchSeed(config: ExperimentConfig): number {
  return config.search?.seed ?? mix(0x5ea4c4, config.seed);
}

/** The values of trial `index` of round `round` (deterministic in seed, round, index and box). */
export function sampleTrial(dims: readonly SearchDimension[], seed: number, round: number, index: number, box: SearchBox): SampledPoint {
  return samplePoint(dims, trialRng(seed, round, index), box);
}

/** A short text of a value for tables: 4 significant digits for numbers. */
export function formatValue(value: SearchValue): string {
  if (typeof value !== 'number') return String(value);
  if (Number.isInteger(value)) return String(value);
  const a = Math.abs(value);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}
