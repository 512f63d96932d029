/**
 * The Bayes error of a generated toy set: the error of the best possible classifier, given the
 * generator's noise. It is what "human-level error" stands in for in the bias/variance reading; on
 * noisy moons it is several percent, and a verdict against 0 % calls that noise "high bias".
 *
 * Bayes error = E_x[1 − max_c P(c | x)]. P(c | x) ∝ π_c · p(x | c) is exact up to the latent
 * integral, which is a K-point average over the generator's latent parameter (the curve position
 * t, sampled on the same uniform grid the generator uses); the outer expectation is a seeded
 * Monte-Carlo average over M points drawn from the generator itself (the posterior's expectation,
 * not 0/1 counts, so the standard error is small: ≈ 0.1–0.2 percentage points at M = 4000).
 *
 * Known for the sets whose noise is additive Gaussian on the coordinates (moons, circles, xor,
 * gaussian). Spiral and flower perturb the angle: no estimate (the verdict says what it assumes).
 */
import { erf, normalCdfDiff } from '../../shared/search-importance';
import { Rng } from '../util/rng';
import { DEFAULT_NOISE, generateDataset, type GeneratedKind } from './generators';

export const BAYES_SAMPLES = 4000;
const LATENT_POINTS = 160;

/** Class-conditional density p(x | c) up to a factor common to every class. */
type Density = (x: number, y: number, label: number) => number;

function curveDensity(curve: (t: number, label: number) => [number, number], lo: number, hi: number, noise: number): Density {
  const ts = Array.from({ length: LATENT_POINTS }, (_, k) => lo + ((hi - lo) * k) / (LATENT_POINTS - 1));
  const cache = [0, 1].map((label) => ts.map((t) => curve(t, label)));
  const inv = 1 / (2 * noise * noise);
  return (x, y, label) => {
    let s = 0;
    for (const [cx, cy] of cache[label]) s += Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) * inv);
    return s;
  };
}

/** Density of s·U(0.1, 1) + N(0, σ²) at v, for the sign s = ±1 (xor's coordinates). */
function signedUniformNoise(v: number, s: number, noise: number): number {
  const u = s * v;
  return normalCdfDiff((u - 1) / noise, (u - 0.1) / noise);
}

function density(kind: GeneratedKind, noise: number): Density | null {
  switch (kind) {
    case 'moons':
      return curveDensity((t, l) => (l === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 1 - Math.sin(t) - 0.5]), 0, Math.PI, noise);
    case 'circles': {
      // The generator spaces t over [0, 2π) without the end point: same grid shape, same density.
      return curveDensity((t, l) => {
        const r = l === 0 ? 1 : 0.5;
        return [r * Math.cos(t), r * Math.sin(t)];
      }, 0, 2 * Math.PI, noise);
    }
    case 'gaussian':
      return (x, y, l) => {
        const c = l === 0 ? -1 : 1;
        return Math.exp(-((x - c) ** 2 + (y - c) ** 2) / (2 * noise * noise));
      };
    case 'xor':
      return (x, y, l) => {
        const pp = signedUniformNoise(x, 1, noise) * signedUniformNoise(y, 1, noise);
        const mm = signedUniformNoise(x, -1, noise) * signedUniformNoise(y, -1, noise);
        const pm = signedUniformNoise(x, 1, noise) * signedUniformNoise(y, -1, noise);
        const mp = signedUniformNoise(x, -1, noise) * signedUniformNoise(y, 1, noise);
        return l === 0 ? pp + mm : pm + mp;
      };
    default:
      return null;
  }
}

export interface BayesEstimate {
  /** Estimated Bayes error, a fraction. */
  error: number;
  /** Its Monte-Carlo standard error. */
  standardError: number;
  samples: number;
}

/** Estimates made in this process: ≈ 1.3 M `exp` each (≈ 100 ms cold), and every trial of a search asks again. */
const estimates = new Map<string, BayesEstimate | null>();

/**
 * The Bayes error of `kind` at `noise` (the generator's default when undefined), or null when the
 * generator's noise does not give a density here (spiral, flower). Seeded: same inputs, same value
 * (so it is computed once per process and inputs).
 */
export function estimateBayesError(kind: GeneratedKind, noise: number | undefined, seed = 0x8a7e5, samples = BAYES_SAMPLES): BayesEstimate | null {
  const key = `${kind} ${noise ?? DEFAULT_NOISE[kind]} ${seed} ${samples}`;
  if (!estimates.has(key)) estimates.set(key, computeBayesError(kind, noise, seed, samples));
  const estimate = estimates.get(key)!;
  return estimate && { ...estimate };
}

function computeBayesError(kind: GeneratedKind, noise: number | undefined, seed: number, samples: number): BayesEstimate | null {
  const sigma = noise ?? DEFAULT_NOISE[kind];
  if (kind === 'spiral' || kind === 'flower') return null;
  if (sigma === 0) return { error: 0, standardError: 0, samples: 0 }; // disjoint classes
  const p = density(kind, sigma);
  if (!p) return null;
  // The generator balances the classes, so the priors are equal and cancel.
  const ds = generateDataset(kind, { samples, noise: sigma, seed: new Rng(seed).int(2 ** 31) });
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < ds.count; i++) {
    const a = p(ds.x[2 * i], ds.x[2 * i + 1], 0);
    const b = p(ds.x[2 * i], ds.x[2 * i + 1], 1);
    const total = a + b;
    // Far from both classes both densities underflow: such a point is unambiguous in practice.
    const loss = total > 0 ? Math.min(a, b) / total : 0;
    sum += loss;
    sumSq += loss * loss;
  }
  const n = ds.count;
  const mean = sum / n;
  const variance = Math.max(0, sumSq / n - mean * mean);
  return { error: mean, standardError: Math.sqrt(variance / n), samples: n };
}

/** Φ(−√2/σ): the exact Bayes error of the gaussian set (means 2√2 apart), for tests. */
export function gaussianBayesError(noise: number): number {
  return 0.5 * (1 - erf(Math.SQRT2 / noise / Math.SQRT2));
}
