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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serialize } from 'node:v8';
import type { Backend } from '../src/engine/backend/backend';
import { resolveConfig } from '../src/engine/config/validate';
import { writeIdx } from '../src/engine/data/idx';
import { LayerStatsRecorder } from '../src/engine/diagnostics/layer-stats';
import { ThrottledIpcSink } from '../src/engine/process/ipc-sink';
import { createRunSetup } from '../src/engine/train/setup';
import { Trainer, type EventSink } from '../src/engine/train/trainer';
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

type Spec = WorkloadSpec | GemmSpec | TelemetrySpec;

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
    proto.flags = timedCall(proto.flags);
    const backend = await WasmBackend.create({ threads: s.threads, relaxedSimd: s.relaxedSimd });
    const setup = await createRunSetup(config, { backend });
    const counts: Partial<Record<EngineEvent['type'], number>> = {};
    let bytes = 0;
    const sink: EventSink = s.telemetry
      ? new ThrottledIpcSink((event) => {
        counts[event.type] = (counts[event.type] ?? 0) + 1;
        bytes += serialize({ v: PROTOCOL_VERSION, ...event }).length;
      })
      : { emit: () => undefined };
    // Epoch boundaries as the trainer reports them (its own sink may hold events back, so time here).
    const ends: number[] = [];
    const emit = timedCall((e: EngineEvent) => sink.emit(e));
    const timed: EventSink = { emit: (e) => {
      if (e.type === 'epoch') {
        ends.push(performance.now());
        timedEpochs = true; // after the warm-up epoch
      }
      emit(e);
    } };
    const t0 = performance.now();
    const summary = await new Trainer(setup, timed, null, { flushMs: 100, paused: false }).run();
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

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) {
    console.error("usage: node dist/bench-engine.cjs '<json spec>'");
    process.exit(2);
  }
  const spec = JSON.parse(arg) as Spec;
  const result = spec.kind === 'gemm' ? await runGemm(spec) : spec.kind === 'telemetry' ? await runTelemetry(spec) : await runWorkload(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
}
