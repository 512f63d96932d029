/**
 * Our side of the benchmark, one measurement per process: bench/run.mjs bundles this file to
 * dist/bench-engine.cjs and runs it as `node dist/bench-engine.cjs '<json spec>'` (pinned with
 * taskset for single-thread runs), reading one JSON line from stdout.
 *
 * Workloads run the engine's real training step through its public classes, as Trainer.trainStep
 * does: gather a shuffled batch into backend memory, Network.costAndGradients (forward, fused
 * loss, backward), the non-finite gradient check (sumSquares over every gradient), the optimizer
 * update. Nothing is skipped or specialised for the benchmark.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { writeFileAtomic as writeFileAtomicForBench } from '../src/engine/run/atomic-write';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serialize } from 'node:v8';
import type { Backend } from '../src/engine/backend/backend';
import { resolveConfig } from '../src/engine/config/validate';
import { writeIdx } from '../src/engine/data/idx';
import { LayerStatsRecorder } from '../src/engine/diagnostics/layer-stats';
import { GradientFlags } from '../src/engine/diagnostics/gradient-flags';
import { createRunSetup } from '../src/engine/train/setup';
import { Trainer, type RunSink } from '../src/engine/train/trainer';
import { Telemetry } from '../src/engine/run/telemetry';
import { startSession } from '../src/engine/run/session';
import { RunFolder } from '../src/engine/run/run-folder';
import { loadIdx } from '../src/engine/data/idx';
import { PROTOCOL_VERSION, type EngineEvent } from '../src/shared/protocol';
import { TsBackend } from '../src/engine/backend/ts-backend';
import type { RelaxedSimdMode } from '../src/engine/backend/wasm/kernels';
import { WasmBackend } from '../src/engine/backend/wasm/wasm-backend';
import type { Dataset } from '../src/engine/data/dataset';
import type { ForwardMode } from '../src/engine/model/layers/layer';
import { Network, type NetworkSpec } from '../src/engine/model/network';
import { createOptimizer } from '../src/engine/optim';
import { BatchGatherer } from '../src/engine/train/batches';
import { Rng } from '../src/engine/util/rng';

export type WorkloadName = 'W1' | 'W2' | 'W3';

interface WorkloadSpec {
  kind: 'workload';
  workload: WorkloadName;
  backend: 'wasm' | 'ts';
  threads: number;
  relaxedSimd?: RelaxedSimdMode;
  /** Timed epochs, after one untimed warm-up epoch. */
  epochs: number;
  samples: number;
  seed?: number;
}

interface GemmSpec {
  kind: 'gemm';
  threads: number;
  relaxedSimd?: RelaxedSimdMode;
  shapes: { m: number; n: number; k: number; forms: string[]; label?: string }[];
  /** Seconds of timing per shape and form (split into 5 samples; the median is reported). */
  seconds: number;
}

/**
 * The cost of telemetry: W1 through the real Trainer, once with per-layer statistics every 10
 * iterations and every event through the engine's IPC sink and V8's structured serialisation (what
 * `process.send` with `serialization: 'advanced'` does, less the pipe write), once with layer
 * statistics off and events dropped. Both do the same training and the same end-of-epoch
 * evaluation. On a noisy 2-core VM the difference of two runs is mostly noise, so the telemetry run
 * also times its telemetry directly: the LayerStatsRecorder calls and the sink (serialisation
 * included), wrapped here in the bench process, as a share of its timed epochs.
 */
interface TelemetrySpec {
  kind: 'telemetry';
  telemetry: boolean;
  threads: number;
  relaxedSimd?: RelaxedSimdMode;
  epochs: number;
  samples: number;
  seed?: number;
}

/** W1/W2/W3 through the real run path: startSession (experiment validation, data files, run folder, default diagnostics and checkpoints) and its Trainer. */
interface TrainerSpec {
  kind: 'trainer';
  workload: WorkloadName;
  threads: number;
  relaxedSimd?: RelaxedSimdMode;
  epochs: number;
  samples: number;
  seed?: number;
}

/** The course's full-batch run from an experiment file, in process, timing the trainer's end-of-epoch work. */
interface CourseSpec {
  kind: 'course';
  configPath: string;
  threads?: number;
}

/** A W1-sized checkpoint (network + Adam slots after a few steps) written through the run folder, and the old all-JSON form. */
interface CheckpointSpec {
  kind: 'checkpoint';
  threads: number;
  repeats: number;
}

/** Loading an IDX image set through the engine's loader: time and peak memory. */
interface IdxSpec {
  kind: 'idx';
  images: string;
  labels: string;
  /** Write `count` random 28×28 images and labels there (the engine's writeIdx) instead of loading. */
  write?: number;
  /**
   * The run's whole data path instead of the loader alone: createRunSetup (load, 80/10/10 split,
   * z-score, network, WASM batch buffers), then one epoch of 128-row training gathers and one
   * evaluation pass over train; peak memory over the process before, and the gather/range times.
   */
  setup?: boolean;
}

type Spec = WorkloadSpec | GemmSpec | TelemetrySpec | TrainerSpec | CourseSpec | CheckpointSpec | IdxSpec;

const TRAIN_MODE: ForwardMode = { training: true, dropout: true, updateRunningStats: true };

/** The three workloads of the issue as engine network specs. */
export function workloadNetwork(w: WorkloadName): { spec: NetworkSpec; batch: number } {
  const base = { leakyReluSlope: 0.01, batchNormMomentum: 0.9, batchNormEpsilon: 1e-5 };
  switch (w) {
    case 'W1':
      return { batch: 128, spec: { ...base, inputs: 784, outputs: 10, loss: 'softmaxCe', hidden: [
        { units: 256, activation: 'relu', keepProb: 1, batchNorm: false },
        { units: 128, activation: 'relu', keepProb: 1, batchNorm: false }] } };
    case 'W2':
      return { batch: 32, spec: { ...base, inputs: 2, outputs: 1, loss: 'sigmoidBce', hidden: [
        { units: 16, activation: 'tanh', keepProb: 1, batchNorm: false },
        { units: 16, activation: 'tanh', keepProb: 1, batchNorm: false }] } };
    case 'W3':
      return { batch: 128, spec: { ...base, inputs: 784, outputs: 10, loss: 'softmaxCe', hidden: [
        { units: 256, activation: 'relu', keepProb: 0.8, batchNorm: true },
        { units: 128, activation: 'relu', keepProb: 0.8, batchNorm: true }] } };
  }
}

/** Synthetic data: W1/W3 MNIST-shaped (uniform [0,1) pixels, 10 classes), W2 two features, a circle. */
function syntheticData(w: WorkloadName, samples: number, rng: Rng): Dataset {
  const features = w === 'W2' ? 2 : 784;
  const x = new Float64Array(samples * features);
  const y = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    if (w === 'W2') {
      const a = rng.range(-1, 1);
      const b = rng.range(-1, 1);
      x[2 * i] = a;
      x[2 * i + 1] = b;
      y[i] = a * a + b * b < 0.5 ? 1 : 0;
    } else {
      for (let f = 0; f < features; f++) x[i * features + f] = rng.uniform();
      y[i] = rng.int(10);
    }
  }
  const classes = w === 'W2' ? ['0', '1'] : Array.from({ length: 10 }, (_, i) => String(i));
  return { name: `synthetic-${w}`, task: w === 'W2' ? 'binary' : 'multiclass', count: samples, features, x, y,
    targets: 1, classes };
}

async function makeBackend(kind: 'wasm' | 'ts', threads: number, relaxedSimd?: RelaxedSimdMode): Promise<Backend> {
  return kind === 'ts' ? new TsBackend('float32') : WasmBackend.create({ threads, relaxedSimd });
}

async function runWorkload(s: WorkloadSpec): Promise<object> {
  const rng = new Rng(s.seed ?? 1);
  const { spec, batch } = workloadNetwork(s.workload);
  const data = syntheticData(s.workload, s.samples, rng.fork());
  const backend = await makeBackend(s.backend, s.threads, s.relaxedSimd);
  const net = new Network(backend, spec, batch, rng.fork());
  net.initialize('he', 0.01, rng.fork());
  const optimizer = createOptimizer(backend, { type: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  const gatherer = new BatchGatherer(backend, data, batch);
  const shuffle = rng.fork();
  const reg = { l2: 0, l1: 0 };
  let lastCost = NaN;

  const epoch = (): number => {
    const t0 = performance.now();
    const perm = shuffle.permutation(data.count);
    for (let start = 0; start < data.count; start += batch) {
      const rows = Math.min(batch, data.count - start);
      const b = gatherer.gather(perm, start, rows);
      const { cost } = net.costAndGradients(b.x, b.y, rows, TRAIN_MODE, reg, true);
      let sq = 0;
      for (const p of net.params()) sq += backend.sumSquares(p.grad.length, p.grad);
      if (!Number.isFinite(cost) || !Number.isFinite(sq)) throw new Error(`diverged: cost ${cost}`);
      optimizer.update(net.params(), 1e-3);
      lastCost = cost;
    }
    return (performance.now() - t0) / 1000;
  };

  const warmup = epoch();
  const seconds: number[] = [];
  for (let e = 0; e < s.epochs; e++) seconds.push(epoch());
  const total = seconds.reduce((a, b) => a + b, 0);
  const wasmMemory = backend instanceof WasmBackend ? backend.memoryUsage() : null;
  backend.dispose();
  return {
    kind: 'workload', workload: s.workload, backend: backend.name, threads: backend.threads,
    variant: backend instanceof WasmBackend ? backend.variant : null,
    samples: data.count, batch, epochs: s.epochs, warmupSeconds: warmup, epochSeconds: seconds,
    samplesPerSec: (s.epochs * data.count) / total, lastCost,
    parameters: net.parameterCount(),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    wasmMemoryBytes: wasmMemory?.size ?? null,
  };
}

async function runGemm(s: GemmSpec): Promise<object> {
  const be = await WasmBackend.create({ threads: s.threads, relaxedSimd: s.relaxedSimd });
  const rows: object[] = [];
  for (const shape of s.shapes) {
    const { m, n, k } = shape;
    const rng = new Rng(m * 7 + n * 3 + k);
    const a = be.alloc(m * k);
    const b = be.alloc(k * n);
    const c = be.alloc(m * n);
    for (let i = 0; i < a.length; i++) a[i] = rng.range(-1, 1);
    for (let i = 0; i < b.length; i++) b[i] = rng.range(-1, 1);
    for (const form of shape.forms) {
      const tA = form[0] === 'T';
      const tB = form[1] === 'T';
      const flop = 2 * m * n * k;
      // Calibrate: enough calls for ~1/5 of the time budget per sample; warm (and tier up) first.
      let reps = 1;
      for (;;) {
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) be.gemm(tA, tB, m, n, k, a, b, 0, c);
        const dt = (performance.now() - t0) / 1000;
        if (dt > 0.05) {
          reps = Math.max(1, Math.round((reps * s.seconds) / 5 / dt));
          break;
        }
        reps *= 2;
      }
      const samples: number[] = [];
      for (let r = 0; r < 5; r++) {
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) be.gemm(tA, tB, m, n, k, a, b, 0, c);
        samples.push((reps * flop) / ((performance.now() - t0) / 1000) / 1e9);
      }
      samples.sort((x, y) => x - y);
      rows.push({ label: shape.label ?? `${m}x${k}·${k}x${n}`, m, n, k, form, gflops: samples[2], best: samples[4], samples });
    }
  }
  be.dispose();
  return { kind: 'gemm', backend: be.name, threads: be.threads, variant: be.variant, results: rows };
}

async function runTelemetry(s: TelemetrySpec): Promise<object> {
  // W1 as an experiment file would give it: MNIST-shaped IDX files (uniform pixels, 10 classes).
  const dir = mkdtempSync(path.join(tmpdir(), 'gl-bench-telemetry-'));
  try {
    const rng = new Rng(s.seed ?? 1);
    const images = new Uint8Array(s.samples * 784);
    for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
    const labels = Uint8Array.from({ length: s.samples }, () => rng.int(10));
    writeIdx(path.join(dir, 'x.idx'), path.join(dir, 'y.idx'), { images, labels, rows: 28, cols: 28 });
    const config = resolveConfig({
      name: 'telemetry', seed: s.seed ?? 1,
      data: { source: { idx: { images: path.join(dir, 'x.idx'), labels: path.join(dir, 'y.idx') } }, split: { train: 1, dev: 0, test: 0 } },
      model: { hidden: [{ units: 256, activation: 'relu' }, { units: 128, activation: 'relu' }] },
      training: { epochs: s.epochs + 1, batchSize: 128, optimizer: { type: 'adam', learningRate: 1e-3 }, checkpointEvery: 0 },
      diagnostics: { layerStatsEvery: s.telemetry ? 10 : 0, snapshotEvery: 0 },
    });
    let telemetryMs = 0;
    let timedEpochs = false;
    const timedCall = <A extends unknown[], R>(f: (...args: A) => R) => function (this: unknown, ...args: A): R {
      const t = performance.now();
      try {
        return f.apply(this, args);
      } finally {
        if (timedEpochs) telemetryMs += performance.now() - t;
      }
    };
    const proto = LayerStatsRecorder.prototype;
    proto.before = timedCall(proto.before);
    proto.after = timedCall(proto.after);
    const flagsProto = GradientFlags.prototype;
    flagsProto.observe = timedCall(flagsProto.observe);
    const backend = await WasmBackend.create({ threads: s.threads, relaxedSimd: s.relaxedSimd });
    const setup = await createRunSetup(config, { backend });
    const counts: Partial<Record<EngineEvent['type'], number>> = {};
    let bytes = 0;
    // What the engine process sends the host: the bounded telemetry channel, V8-serialised as process.send does.
    const telemetry = s.telemetry ? new Telemetry({ intervalMs: 50, send: (event) => {
      counts[event.type] = (counts[event.type] ?? 0) + 1;
      bytes += serialize({ v: PROTOCOL_VERSION, ...event }).length;
    } }) : null;
    const sink: RunSink = telemetry ?? { iteration: () => undefined, emit: () => undefined };
    // Epoch boundaries as the trainer reports them (its own sink may hold events back, so time here).
    const ends: number[] = [];
    const emit = timedCall((e: EngineEvent) => sink.emit(e));
    const iteration = timedCall((i: number, e: number, c: number, lr: number) => sink.iteration(i, e, c, lr));
    const timed: RunSink = { iteration, emit: (e) => {
      if (e.type === 'epoch') {
        ends.push(performance.now());
        timedEpochs = true; // after the warm-up epoch
      }
      emit(e);
    } };
    const t0 = performance.now();
    const summary = await new Trainer(setup, timed, null, { paused: false }).run();
    telemetry?.flush();
    telemetry?.dispose();
    const seconds = ends.slice(1).map((t, i) => (t - ends[i]) / 1000);
    const total = seconds.reduce((a, b) => a + b, 0);
    backend.dispose();
    return {
      kind: 'telemetry', telemetry: s.telemetry, backend: backend.name, threads: backend.threads, variant: backend.variant,
      samples: s.samples, epochs: s.epochs, warmupSeconds: (ends[0] - t0) / 1000, epochSeconds: seconds,
      samplesPerSec: (s.epochs * s.samples) / total, iterations: summary.iterations, events: counts, serializedBytes: bytes,
      telemetrySeconds: telemetryMs / 1000, telemetryShare: telemetryMs / 1000 / total,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a workload's synthetic data as the files an experiment would name, and the experiment. */
function workloadExperiment(w: WorkloadName, samples: number, epochs: number, seed: number, dir: string): Record<string, unknown> {
  const rng = new Rng(seed);
  let source: unknown;
  if (w === 'W2') {
    const lines = ['x1,x2,y'];
    for (let i = 0; i < samples; i++) {
      const a = rng.range(-1, 1);
      const b = rng.range(-1, 1);
      lines.push(`${a},${b},${a * a + b * b < 0.5 ? 1 : 0}`);
    }
    writeFileSync(path.join(dir, 'w2.csv'), lines.join('\n') + '\n');
    source = { csv: path.join(dir, 'w2.csv'), label: 'y' };
  } else {
    const images = new Uint8Array(samples * 784);
    for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
    const labels = Uint8Array.from({ length: samples }, () => rng.int(10));
    writeIdx(path.join(dir, 'x.idx'), path.join(dir, 'y.idx'), { images, labels, rows: 28, cols: 28 });
    source = { idx: { images: path.join(dir, 'x.idx'), labels: path.join(dir, 'y.idx') } };
  }
  const { spec, batch } = workloadNetwork(w);
  return {
    name: `bench-${w}`, seed,
    data: { source, split: { train: 1, dev: 0, test: 0 } },
    model: { init: 'he', hidden: spec.hidden.map((h) => ({ units: h.units, activation: h.activation, keepProb: h.keepProb, batchNorm: h.batchNorm })) },
    training: { epochs: epochs + 1, batchSize: batch, optimizer: { type: 'adam', learningRate: 1e-3 } },
  };
}

const quietSink = (onEpoch: () => void): RunSink => ({
  iteration: () => undefined,
  emit: (e) => {
    if (e.type === 'epoch') onEpoch();
  },
});

async function runTrainer(s: TrainerSpec): Promise<object> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gl-bench-trainer-'));
  try {
    if (s.relaxedSimd) process.env.GRADIENT_LAB_RELAXED_SIMD = s.relaxedSimd;
    const config = workloadExperiment(s.workload, s.samples, s.epochs, s.seed ?? 1, dir);
    (config.training as Record<string, unknown>).threads = s.threads;
    (config.training as Record<string, unknown>).backend = 'wasm';
    const ends: number[] = [];
    const session = await startSession({ config, runDir: path.join(dir, 'run') }, quietSink(() => ends.push(performance.now())));
    const t0 = performance.now();
    const summary = await session.trainer.run();
    session.folder.close();
    const seconds = ends.slice(1).map((t, i) => (t - ends[i]) / 1000);
    const total = seconds.reduce((a, b) => a + b, 0);
    const backend = session.setup.backend;
    const variant = backend instanceof WasmBackend ? backend.variant : null;
    backend.dispose();
    return {
      kind: 'trainer', workload: s.workload, backend: backend.name, threads: backend.threads, variant,
      samples: s.samples, epochs: s.epochs, warmupSeconds: (ends[0] - t0) / 1000, epochSeconds: seconds,
      samplesPerSec: (s.epochs * s.samples) / total, iterations: summary.iterations,
      diagnostics: session.setup.config.diagnostics, checkpointEvery: session.setup.config.training.checkpointEvery,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runCourse(s: CourseSpec): Promise<object> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gl-bench-course-'));
  try {
    // The trainer's end-of-epoch step (evaluate train and dev, summary, verdict, early stopping,
    // checkpoint and snapshot cadences, every sink) timed from outside, per epoch.
    const proto = Trainer.prototype as unknown as { endOfEpoch: () => boolean };
    const original = proto.endOfEpoch;
    let endMs = 0;
    let epochs = 0;
    proto.endOfEpoch = function (this: unknown): boolean {
      const t = performance.now();
      try {
        return original.call(this);
      } finally {
        endMs += performance.now() - t;
        epochs++;
      }
    };
    const session = await startSession({ configPath: s.configPath, runDir: path.join(dir, 'run'),
      override: (c) => { if (s.threads) c.training.threads = s.threads; } }, quietSink(() => undefined));
    const t0 = performance.now();
    const summary = await session.trainer.run();
    const trainMs = performance.now() - t0;
    session.folder.close();
    session.setup.backend.dispose();
    return {
      kind: 'course', epochs, iterations: summary.iterations, seconds: trainMs / 1000, backend: summary.backend, threads: summary.threads,
      endOfEpochMicros: (endMs * 1000) / epochs, perEpochMicros: (trainMs * 1000) / epochs,
      final: summary.final,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How small the tensors could be without losing a bit: float32 values split into their four byte
 * planes (sign+exponent, then mantissa bytes), each plane's order-0 entropy (a lower bound for any
 * coder that treats a plane's bytes as independent), and what deflate (level 9) makes of the planes.
 */
function losslessBound(bytes: Buffer): { planeBits: number[]; entropyBytes: number; deflateShuffledBytes: number; deflateMs: number } {
  const n = Math.floor(bytes.length / 4);
  const planes = [0, 1, 2, 3].map((k) => {
    const p = new Uint8Array(n);
    for (let i = 0; i < n; i++) p[i] = bytes[4 * i + k];
    return p;
  });
  const bits = planes.map((p) => {
    const c = new Float64Array(256);
    for (const b of p) c[b]++;
    let h = 0;
    for (const x of c) if (x > 0) h -= (x / n) * Math.log2(x / n);
    return h;
  });
  const t = performance.now();
  const deflated = deflateRawSync(Buffer.concat(planes), { level: 9 }).length;
  return { planeBits: bits, entropyBytes: (bits.reduce((a, b) => a + b, 0) * n) / 8, deflateShuffledBytes: deflated, deflateMs: performance.now() - t };
}

async function runCheckpoint(s: CheckpointSpec): Promise<object> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gl-bench-ckpt-'));
  try {
    const config = workloadExperiment('W1', 256, 1, 1, dir);
    (config.training as Record<string, unknown>).threads = s.threads;
    const session = await startSession({ config, runDir: path.join(dir, 'run') }, quietSink(() => undefined));
    await session.trainer.run();
    const folder = session.folder;
    const ckptDir = path.join(dir, 'run', 'checkpoints');
    const times: number[] = [];
    const jsonTimes: number[] = [];
    let jsonBytes = 0;
    for (let r = 0; r < s.repeats; r++) {
      let t = performance.now();
      // As the trainer does at a checkpoint: take the state, write it.
      folder.saveCheckpoint('latest', session.trainer.checkpoint());
      times.push(performance.now() - t);
      t = performance.now();
      // The version 1 file: the same checkpoint with number arrays, as one JSON document.
      const text = JSON.stringify({ ...session.trainer.checkpoint(), model: session.setup.net.exportState(), optimizer: session.setup.optimizer.exportState() });
      writeFileAtomicForBench(path.join(dir, 'old.json'), text);
      jsonTimes.push(performance.now() - t);
      jsonBytes = Buffer.byteLength(text);
    }
    const files = readdirSync(ckptDir).filter((f) => f.startsWith('latest'));
    const bytes = files.reduce((a, f) => a + statSync(path.join(ckptDir, f)).size, 0);
    const t = performance.now();
    RunFolder.readCheckpoint(path.join(dir, 'run'));
    const readMs = performance.now() - t;
    const lossless = losslessBound(readFileSync(path.join(ckptDir, files.find((f) => f.endsWith('.tensors'))!)));
    folder.close();
    session.setup.backend.dispose();
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return {
      kind: 'checkpoint', parameters: session.setup.net.parameterCount(), files, bytes, writeMs: med(times), writeTimes: times,
      readMs, jsonBytes, jsonWriteMs: med(jsonTimes), lossless,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runIdx(s: IdxSpec): Promise<object> {
  if (s.write) {
    const rng = new Rng(1);
    const images = new Uint8Array(s.write * 784);
    for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
    const labels = Uint8Array.from({ length: s.write }, () => rng.int(10));
    writeIdx(s.images, s.labels, { images, labels, rows: 28, cols: 28 });
    return { kind: 'idx', written: s.write };
  }
  const rawBytes = statSync(s.images).size + statSync(s.labels).size;
  if (s.setup) return runIdxSetup(s, rawBytes);
  const before = process.memoryUsage().rss;
  const t = performance.now();
  const data = loadIdx(s.images, s.labels);
  const ms = performance.now() - t;
  return {
    kind: 'idx', count: data.count, features: data.features, rawBytes,
    loadMs: ms, rssBeforeBytes: before, peakRssBytes: process.resourceUsage().maxRSS * 1024,
    xBytes: data.x.codes.byteLength + data.x.table.byteLength,
  };
}

async function runIdxSetup(s: IdxSpec, rawBytes: number): Promise<object> {
  // The config first: its schema compilation is no part of the data path.
  const config = resolveConfig({
    name: 'idx-setup', seed: 1,
    data: { source: { idx: { images: s.images, labels: s.labels } }, split: { train: 0.8, dev: 0.1, test: 0.1 } },
    model: { hidden: [{ units: 128, activation: 'relu' }] },
    training: { batchSize: 128, backend: 'wasm', threads: 1 },
  });
  const before = process.memoryUsage().rss;
  const t = performance.now();
  const setup = await createRunSetup(config);
  const setupMs = performance.now() - t;
  const { train } = setup.data;
  const order = new Rng(2).permutation(train.count);
  const g = performance.now();
  let batches = 0;
  for (let start = 0; start + 128 <= train.count; start += 128, batches++) setup.trainGatherer.gather(order, start, 128);
  const gatherMs = (performance.now() - g) / batches;
  const capacity = setup.trainGatherer.capacity;
  const r = performance.now();
  let ranges = 0;
  for (let start = 0; start < train.count; start += capacity, ranges++) setup.trainGatherer.range(start, Math.min(capacity, train.count - start));
  const rangeMs = (performance.now() - r) / ranges;
  const peak = process.resourceUsage().maxRSS * 1024;
  setup.backend.dispose();
  return {
    kind: 'idx', setup: true, count: train.count + setup.data.dev.count + setup.data.test.count, rawBytes,
    setupMs, rssBeforeBytes: before, peakRssBytes: peak, gatherMsPer128: gatherMs, rangeMsPerChunk: rangeMs, rangeRows: capacity,
  };
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) {
    console.error("usage: node dist/bench-engine.cjs '<json spec>'");
    process.exit(2);
  }
  const spec = JSON.parse(arg) as Spec;
  const result = spec.kind === 'gemm' ? await runGemm(spec) : spec.kind === 'telemetry' ? await runTelemetry(spec)
    : spec.kind === 'trainer' ? await runTrainer(spec) : spec.kind === 'course' ? await runCourse(spec)
      : spec.kind === 'checkpoint' ? await runCheckpoint(spec) : spec.kind === 'idx' ? await runIdx(spec) : await runWorkload(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
}
