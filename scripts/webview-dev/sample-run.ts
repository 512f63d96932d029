/**
 * A realistic, deterministic stream of engine events for one training run, for the webview dev
 * page (scripts/webview-dev/dev.mjs) and the webview tests. Nothing here talks to the engine:
 * the numbers are made up to look like a small moons classifier trained with Adam.
 */
import type { EngineEvent, GradCheckReport, LayerStat, RunInfo, Snapshot } from '../../src/shared/protocol';
import { resolveConfig } from '../../src/engine/config/validate';

export interface SampleOptions {
  seed?: number;
  name?: string;
  runId?: string;
  epochs?: number;
  iterationsPerEpoch?: number;
  learningRate?: number;
  /** Iterations per `metrics` event (the engine batches costs). */
  batch?: number;
  /** Iterations between `layerStats` samples. */
  layerStatsEvery?: number;
  /** Put a NaN gradient into the last layer (with its flag and the self-pause). */
  nanAt?: number | null;
  /** Manual learning-rate changes: [iteration, new rate]. */
  lrChanges?: [number, number][];
  /** Scales the final error (to make compare runs differ). */
  quality?: number;
  /** Stop early, as in a run still in progress (no 'finished' state / summary). */
  stopAtEpoch?: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gauss(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function moonsPoints(r: () => number, count: number, noise: number): { x: number; y: number; label: number }[] {
  const pts: { x: number; y: number; label: number }[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % 2;
    const t = Math.PI * r();
    const x = label === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const y = label === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    pts.push({ x: x + noise * gauss(r), y: y + noise * gauss(r), label });
  }
  return pts;
}

/** A plausible decision boundary for the moons: nearest-arc classifier, sharper as training goes. */
function boundarySnapshot(epoch: number, progress: number, r: () => number): Snapshot {
  const res = 64;
  const xMin = -1.6;
  const xMax = 2.6;
  const yMin = -1.2;
  const yMax = 1.7;
  const arc0: [number, number][] = [];
  const arc1: [number, number][] = [];
  for (let k = 0; k <= 48; k++) {
    const t = (Math.PI * k) / 48;
    arc0.push([Math.cos(t), Math.sin(t)]);
    arc1.push([1 - Math.cos(t), 0.5 - Math.sin(t)]);
  }
  const dist = (arc: [number, number][], x: number, y: number): number =>
    Math.min(...arc.map(([ax, ay]) => Math.hypot(ax - x, ay - y)));
  const values: number[] = [];
  for (let row = 0; row < res; row++) {
    const y = yMin + ((yMax - yMin) * row) / (res - 1);
    for (let col = 0; col < res; col++) {
      const x = xMin + ((xMax - xMin) * col) / (res - 1);
      values.push(sigmoid((2 + 10 * progress) * (dist(arc0, x, y) - dist(arc1, x, y))));
    }
  }
  const points = moonsPoints(r, 240, 0.18);
  const errors = Math.round(8 + 30 * (1 - progress));
  return {
    epoch,
    boundary: { xMin, xMax, yMin, yMax, resolution: res, values, kind: 'probability', points },
    confusion: { classes: ['0', '1'], matrix: [[100 - Math.floor(errors / 2), Math.floor(errors / 2)], [Math.ceil(errors / 2), 100 - Math.ceil(errors / 2)]] },
  };
}

function gradCheckReport(iteration: number): GradCheckReport {
  const tensor = (layer: string, name: string, shape: [number, number], difference: number,
    band: GradCheckReport['band'], worst: GradCheckReport['tensors'][number]['worst']): GradCheckReport['tensors'][number] => {
    const total = shape[0] * shape[1];
    return { layer, tensor: name, shape, difference, band, checked: Math.min(64, total), total, worst };
  };
  return {
    id: 'gc-1',
    iteration,
    epsilon: 1e-7,
    batchSize: 64,
    difference: 1.84e-2,
    band: 'bug',
    tensors: [
      tensor('L1', 'W', [16, 2], 3.1e-9, 'correct', [{ index: [3, 1], analytic: 0.01234, numeric: 0.01234, difference: 4.2e-9 }]),
      tensor('L1', 'b', [16, 1], 1.2e-9, 'correct', []),
      tensor('L2', 'W', [8, 16], 2.7e-6, 'lookCloser', [{ index: [5, 11], analytic: -0.000871, numeric: -0.000868, difference: 1.7e-3 }]),
      tensor('L2', 'b', [8, 1], 5.4e-4, 'suspicious', [{ index: [2, 0], analytic: 0.0402, numeric: 0.0398, difference: 5.0e-3 }]),
      tensor('L3', 'W', [1, 8], 4.1e-2, 'bug', [
        { index: [0, 6], analytic: 0.2113, numeric: 0.1873, difference: 6.0e-2 },
        { index: [0, 2], analytic: -0.0931, numeric: -0.0852, difference: 4.4e-2 },
        { index: [0, 7], analytic: 0.0411, numeric: 0.0389, difference: 2.7e-2 },
      ]),
      tensor('L3', 'b', [1, 1], 7.0e-10, 'correct', []),
    ],
    notes: ['Dropout was switched off for the check (keepProb 0.9 in L1).', 'L2 regularisation term (λ = 0.01) included.'],
    dtype: 'float64',
    regularization: { l2: 0.01, l1: 0 },
    seconds: 0.42,
  };
}

/** All events of a sample run, in the order an engine would send them. */
export function sampleRunEvents(opts: SampleOptions = {}): EngineEvent[] {
  const seed = opts.seed ?? 1;
  const r = rng(seed);
  const name = opts.name ?? 'moons-adam';
  const runId = opts.runId ?? `20250101-120000-${name}`;
  const epochs = opts.epochs ?? 30;
  const ipe = opts.iterationsPerEpoch ?? 150;
  const batch = opts.batch ?? 25;
  const every = opts.layerStatsEvery ?? 10;
  const quality = opts.quality ?? 1;
  const k150 = ipe / 150; // the defaults below are for 150 iterations per epoch
  const nanAt = opts.nanAt === undefined ? Math.round(2270 * k150) : opts.nanAt;
  const lrChanges = opts.lrChanges ?? [[Math.round(1350 * k150), 0.003], [Math.round(3150 * k150), 0.001]];
  let lr = opts.learningRate ?? 0.01;
  const lastEpoch = Math.min(epochs, opts.stopAtEpoch ?? epochs);
  const layers = [
    { label: 'L1', units: 16, activation: 'relu', batchNorm: false, keepProb: 0.9 },
    { label: 'L2', units: 8, activation: 'relu', batchNorm: false, keepProb: 1 },
    { label: 'L3', units: 1, activation: 'sigmoid', batchNorm: false, keepProb: 1 },
  ];
  const info: RunInfo = {
    runId,
    runDir: `/work/.gradient-lab/runs/${runId}`,
    name,
    configPath: `/work/examples/${name}.nn.json`,
    // Resolved as the engine resolves a file (every default filled), so the page reads what a real run sends.
    config: resolveConfig({ name, seed, data: { source: 'moons', samples: 1000 }, training: { epochs, optimizer: { type: 'adam', learningRate: lr } } }),
    backend: 'wasm',
    threads: 4,
    dtype: 'float32',
    task: 'binary',
    classes: ['0', '1'],
    features: 2,
    counts: { train: 600, dev: 200, test: 200 },
    parameters: 48 + 136 + 9,
    layers,
    iterationsPerEpoch: ipe,
    mode: 'train',
    startedAt: '2025-01-01T12:00:00.000Z',
  };
  const ev: EngineEvent[] = [
    { type: 'hello', protocolVersion: 1, pid: 4242 },
    { type: 'runInfo', info },
    { type: 'state', state: 'running', iteration: 0, epoch: 0 },
    { type: 'flag', flag: { kind: 'initialCost', severity: 'info', message: 'Initial cost 0.694 ≈ ln 2 = 0.693, as expected for a small init.', iteration: 1 } },
  ];
  const total = lastEpoch * ipe;
  const floor = 0.06 + 0.05 / quality;
  const costAt = (i: number): number => {
    const base = floor + 0.63 * Math.exp(-i / (450 * k150 * (lr > 0.005 ? 1 : 1.3)));
    return Math.max(1e-3, base * (1 + (lr > 0.005 ? 0.22 : lr > 0.002 ? 0.12 : 0.07) * gauss(r)));
  };
  let pending: number[] = [];
  let pendingFirst = 1;
  const flush = (epoch: number): void => {
    if (!pending.length) return;
    ev.push({ type: 'metrics', firstIteration: pendingFirst, costs: pending, learningRate: lr, epoch });
    pending = [];
  };
  for (let i = 1; i <= total; i++) {
    const epoch = Math.ceil(i / ipe);
    if (!pending.length) pendingFirst = i;
    const c = costAt(i);
    pending.push(i === nanAt ? Number.NaN : c);
    if (pending.length === batch) flush(epoch);
    if (i === Math.round(600 * k150)) {
      flush(epoch);
      ev.push({ type: 'flag', flag: { kind: 'vanishing', severity: 'warning', layer: 'L1', iteration: i,
        message: 'L1 ‖dW‖ is 1.2e-4 × the last layer\'s: gradients are vanishing towards the input.' } });
    }
    if (i % every === 0) {
      flush(epoch);
      const p = i / total;
      const stats: LayerStat[] = layers.map((l, k) => {
        const scale = [3e-5, 8e-4, 2e-2][k] * Math.exp(-2.2 * p) * (lr / 0.01) ** 0.3;
        const g = scale * Math.exp(0.35 * gauss(r));
        const w = [2.1, 3.4, 1.6][k] * (1 + 0.4 * p);
        const nan = i === nanAt && k === 2;
        return {
          layer: l.label,
          gradNorm: nan ? Number.NaN : g,
          weightNorm: w,
          updateRatio: nan ? Number.NaN : [2e-4, 1e-3, 2.5e-3][k] * (lr / 0.01) * Math.exp(0.3 * gauss(r)),
          meanAbsGrad: g / 8,
          activationMean: [0.42, 0.31, 0.5][k] + 0.02 * gauss(r),
          activationStd: [0.61, 0.48, 0.3][k],
          saturated: k === 2 ? 0.05 * p : 0,
          deadRelu: k === 0 ? 0.12 + 0.05 * p : 0.03,
        };
      });
      ev.push({ type: 'layerStats', iteration: i, layers: stats });
    }
    if (i === nanAt) {
      flush(epoch);
      ev.push({ type: 'flag', flag: { kind: 'nonFinite', severity: 'error', layer: 'L3', tensor: 'dW', iteration: i,
        message: `NaN in L3 dW at iteration ${i} (first seen in the backward pass of the sigmoid output).` } });
      ev.push({ type: 'state', state: 'paused', iteration: i, epoch, reason: `Non-finite gradient in L3 dW at iteration ${i}` });
      ev.push({ type: 'state', state: 'running', iteration: i, epoch });
    }
    for (const [at, to] of lrChanges) {
      if (i === at) {
        flush(epoch);
        ev.push({ type: 'learningRate', iteration: i, epoch, from: lr, to, source: 'user' });
        lr = to;
      }
    }
    if (i === Math.round(1800 * k150)) {
      flush(epoch);
      ev.push({ type: 'gradientCheck', report: gradCheckReport(i), requestId: 'req-1' });
    }
    if (i % ipe === 0) {
      flush(epoch);
      const p = epoch / epochs;
      const trainError = (0.03 + 0.32 * Math.exp(-6 * p)) / quality + 0.004 * gauss(r);
      const devError = trainError + 0.035 + 0.01 * p + 0.004 * gauss(r);
      const trainCost = costAt(i) * 0.9;
      ev.push({ type: 'epoch', summary: { epoch, iteration: i, trainCost, trainError, devCost: trainCost * 1.25,
        devError, learningRate: lr, seconds: 0.31 + 0.02 * r() } });
      const human = 0.02;
      const bias = trainError - human;
      const variance = devError - trainError;
      const highBias = bias > 0.05;
      const highVar = variance > 0.03;
      ev.push({ type: 'verdict', verdict: {
        epoch, humanLevelError: human, trainError, devError, avoidableBias: bias, variance,
        diagnosis: highBias && highVar ? 'highBiasAndVariance' : highBias ? 'highBias' : highVar ? 'highVariance' : 'fine',
        remedies: [
          ...(highBias ? ['Bigger network (more units or layers)', 'Train longer', 'Try a different architecture'] : []),
          ...(highVar ? ['More training data', 'Regularisation: L2, dropout, augmentation', 'Try a different architecture'] : []),
        ],
      } });
      if (epoch % 5 === 0 || epoch === 1) ev.push({ type: 'snapshot', snapshot: boundarySnapshot(epoch, p, r) });
      if (epoch === 12 || epoch === 25) {
        const looks = epoch === 12 ? 1 : 2;
        ev.push({ type: 'testResult', iteration: i, cost: trainCost * 1.3, error: devError + 0.006, looks });
      }
      if (epoch % 10 === 0) ev.push({ type: 'checkpoint', iteration: i, epoch, path: `${info.runDir}/checkpoint.json` });
    }
  }
  flush(lastEpoch);
  if (lastEpoch === epochs) {
    ev.push({ type: 'state', state: 'finished', iteration: total, epoch: epochs, reason: 'All epochs done' });
    ev.push({ type: 'summary', summary: { state: 'finished', epochs, iterations: total, final: null, best: null,
      testLooks: 2, seconds: 11.2, backend: 'wasm', threads: 4 } });
  }
  return ev;
}
