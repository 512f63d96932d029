import { Rng } from '../util/rng';
import type { Dataset } from './dataset';

/** The built-in 2-D toy sets. */
export type GeneratedKind = 'moons' | 'circles' | 'spiral' | 'xor' | 'gaussian' | 'flower';

export const GENERATED_KINDS: readonly GeneratedKind[] = ['moons', 'circles', 'spiral', 'xor', 'gaussian', 'flower'];

export interface GenerateOptions {
  /** Total samples, split as evenly as possible between the classes (counts differ by ≤ 1). */
  samples?: number;
  /** Standard deviation of the added Gaussian noise; see DEFAULT_NOISE for what it perturbs. */
  noise?: number;
  seed?: number;
}

export const DEFAULT_SAMPLES = 400;

/**
 * Noise is added to both coordinates for moons, circles, xor and gaussian (for gaussian it is the
 * blobs' std). For spiral and flower it perturbs the angle (and, for flower, the radius), as the
 * original CS231n and planar_utils code do.
 */
export const DEFAULT_NOISE: Readonly<Record<GeneratedKind, number>> = {
  moons: 0.2,
  circles: 0.1,
  spiral: 0.2,
  xor: 0.1,
  gaussian: 0.5,
  flower: 0.2,
};

/** One class's points before shuffling, interleaved (x1, x2, x1, x2, …). */
type Points = number[];

/** Same kind, samples, noise and seed → bit-identical arrays. Samples are shuffled (seeded). */
export function generateDataset(kind: GeneratedKind, options: GenerateOptions = {}): Dataset<Float64Array> {
  const samples = options.samples ?? DEFAULT_SAMPLES;
  const noise = options.noise ?? DEFAULT_NOISE[kind];
  const classCount = kind === 'spiral' ? 3 : 2;
  if (!Number.isInteger(samples) || samples < classCount) {
    throw new RangeError(`${kind}: samples must be an integer ≥ ${classCount}, got ${samples}`);
  }
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw new RangeError(`${kind}: noise must be a finite number ≥ 0, got ${noise}`);
  }
  const rng = new Rng(options.seed ?? 0);
  const perClass = balancedCounts(samples, classCount);
  const classes: Points[] = perClass.map((n, c) => GENERATORS[kind](n, c, noise, rng));
  return assemble(kind, classes, rng);
}

type ClassGenerator = (n: number, label: number, noise: number, rng: Rng) => Points;

const GENERATORS: Record<GeneratedKind, ClassGenerator> = {
  // sklearn make_moons: upper half circle (class 0) and a lower one shifted by (1, −0.5) (class 1).
  moons(n, label, noise, rng) {
    const t = linspace(0, Math.PI, n);
    const p = points(n, (i) =>
      label === 0 ? [Math.cos(t[i]), Math.sin(t[i])] : [1 - Math.cos(t[i]), 1 - Math.sin(t[i]) - 0.5],
    );
    return addNoise(p, noise, rng);
  },
  // sklearn make_circles with factor 0.5: outer unit circle (class 0), inner radius 0.5 (class 1).
  circles(n, label, noise, rng) {
    const r = label === 0 ? 1 : 0.5;
    const p = points(n, (i) => {
      const t = (2 * Math.PI * i) / n;
      return [r * Math.cos(t), r * Math.sin(t)];
    });
    return addNoise(p, noise, rng);
  },
  // CS231n: r = linspace(0, 1), t = linspace(4j, 4(j+1)) + N(0, noise²), point r·(sin t, cos t).
  spiral(n, label, noise, rng) {
    const r = linspace(0, 1, n);
    const t = linspace(4 * label, 4 * (label + 1), n);
    return points(n, (i) => {
      const angle = t[i] + noise * rng.normal();
      return [r[i] * Math.sin(angle), r[i] * Math.cos(angle)];
    });
  },
  // Quadrants: class 0 where the signs agree, class 1 where they differ (label = (x>0) xor (y>0)).
  // Magnitudes are U(0.1, 1) so the noiseless set keeps a margin around the axes.
  xor(n, label, noise, rng) {
    const p = points(n, () => {
      const sx = rng.uniform() < 0.5 ? -1 : 1;
      const sy = label === 0 ? sx : -sx;
      return [sx * rng.range(0.1, 1), sy * rng.range(0.1, 1)];
    });
    return addNoise(p, noise, rng);
  },
  // Two isotropic blobs with std = noise, centred at (−1, −1) (class 0) and (1, 1) (class 1).
  gaussian(n, label, noise, rng) {
    const c = label === 0 ? -1 : 1;
    return addNoise(
      points(n, () => [c, c]),
      noise,
      rng,
    );
  },
  // planar_utils.load_planar_dataset: t = linspace(3.12j, 3.12(j+1)) + N(0, noise²),
  // r = 4 sin(4t) + N(0, noise²), point r·(sin t, cos t): two interleaved petal sets of a rose.
  flower(n, label, noise, rng) {
    const t = linspace(3.12 * label, 3.12 * (label + 1), n);
    return points(n, (i) => {
      const angle = t[i] + noise * rng.normal();
      const r = 4 * Math.sin(4 * angle) + noise * rng.normal();
      return [r * Math.sin(angle), r * Math.cos(angle)];
    });
  },
};

function points(n: number, point: (i: number) => [number, number]): Points {
  const p: Points = [];
  for (let i = 0; i < n; i++) p.push(...point(i));
  return p;
}

function addNoise(p: Points, noise: number, rng: Rng): Points {
  if (noise > 0) for (let i = 0; i < p.length; i++) p[i] += noise * rng.normal();
  return p;
}

/** numpy.linspace(a, b, n) with the endpoint included; n = 1 gives [a]. */
function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  const step = (b - a) / (n - 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? b : a + i * step));
}

/** n split into k counts that differ by at most one, larger counts first. */
function balancedCounts(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, c) => Math.floor(n / k) + (c < n % k ? 1 : 0));
}

/** Scatters the classes' points into one seeded random order. */
function assemble(kind: GeneratedKind, perClass: Points[], rng: Rng): Dataset<Float64Array> {
  const count = perClass.reduce((s, p) => s + p.length / 2, 0);
  const x = new Float64Array(count * 2);
  const y = new Float64Array(count);
  const order = rng.permutation(count);
  let k = 0;
  perClass.forEach((p, label) => {
    for (let i = 0; i < p.length / 2; i++, k++) {
      const row = order[k];
      x[row * 2] = p[i * 2];
      x[row * 2 + 1] = p[i * 2 + 1];
      y[row] = label;
    }
  });
  return {
    name: kind,
    task: perClass.length === 2 ? 'binary' : 'multiclass',
    count,
    features: 2,
    x,
    y,
    targets: 1,
    classes: perClass.map((_, c) => String(c)),
    featureNames: ['x1', 'x2'],
  };
}
