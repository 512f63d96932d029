import { appendFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EngineCommand, EngineEvent, RunInfo, RunSummary } from '../../src/shared/protocol';
import { Emitter } from '../../src/extension/runs/emitter';
import type { EngineExit, EngineHandle } from '../../src/extension/runs/engine-process';
import type { Clock } from '../../src/extension/runs/throttle';
import { toJson } from '../../src/shared/nonfinite';

export function tempDir(prefix = 'gl-host-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function runInfo(runId: string, runDir: string, extra: Partial<RunInfo> = {}): RunInfo {
  return {
    runId, runDir, name: 'moons', config: {} as RunInfo['config'], backend: 'ts', threads: 1, dtype: 'float64',
    task: 'binary', classes: ['0', '1'], features: 2, counts: { train: 80, dev: 10, test: 10 }, parameters: 17,
    layers: [{ label: 'L1', units: 4, activation: 'relu', batchNorm: false, keepProb: 1 }], iterationsPerEpoch: 4,
    mode: 'train', startedAt: '2026-01-01T00:00:00.000Z', ...extra,
  };
}

export function summary(state: RunSummary['state'], iterations: number, extra: Partial<RunSummary> = {}): RunSummary {
  return { state, epochs: Math.ceil(iterations / 4), iterations, final: null, best: null, testLooks: 0, seconds: 1, backend: 'ts', threads: 1, ...extra };
}

/**
 * Writes a run folder as the engine does (docs/run-folder.md): format 2 (costs.f64 + lr.f64,
 * `$nf` tokens) unless `format: 1` asks for the legacy layout (an `iter` line per iteration,
 * non-finite numbers as strings).
 */
export function writeRunFolder(runsDir: string, name: string, opts: {
  iterations: number;
  lr?: number;
  lrChangeAt?: number;
  summary?: RunSummary;
  lastState?: 'running' | 'paused';
  checkpoint?: boolean;
  tornLastLine?: boolean;
  nanAt?: number;
  format?: 1 | 2;
}): string {
  const v1 = opts.format === 1;
  const json = (x: unknown): string => (v1 ? JSON.stringify(x) : toJson(x));
  const nan = v1 ? 'NaN' : Number.NaN;
  const inf = v1 ? 'Infinity' : Number.POSITIVE_INFINITY;
  const dir = path.join(runsDir, name);
  mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
  const info = runInfo(name, dir, { configPath: '/ws/moons.nn.json' });
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(info));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ name: 'moons', configPath: '/ws/moons.nn.json' }));
  const metrics: string[] = [];
  const costs: number[] = [];
  const rates: number[] = [];
  const events: string[] = [JSON.stringify({ time: 't', type: 'runInfo', info }), JSON.stringify({ time: 't', type: 'state', state: 'running', iteration: 0, epoch: 0 })];
  let lr = opts.lr ?? 0.1;
  rates.push(1, lr);
  for (let i = 1; i <= opts.iterations; i++) {
    const epoch = Math.ceil(i / 4);
    const cost = opts.nanAt === i ? nan : 1 / i;
    if (v1) metrics.push(json({ kind: 'iter', iteration: i, epoch, cost, lr }));
    else costs.push(opts.nanAt === i ? Number.NaN : 1 / i);
    if (i % 4 === 0) {
      metrics.push(json({ kind: 'epoch', epoch, iteration: i, trainCost: 1 / i, trainError: 0.5 / epoch, devCost: 1.1 / i, devError: 0.6 / epoch, learningRate: lr, seconds: 0.1 }));
      metrics.push(json({ kind: 'layers', iteration: i, layers: [{ layer: 'L1', gradNorm: opts.nanAt ? inf : 0.1, weightNorm: 1, updateRatio: 1e-3, meanAbsGrad: 0.01, activationMean: 0, activationStd: 1, saturated: 0, deadRelu: 0 }] }));
    }
    if (opts.lrChangeAt === i) {
      events.push(JSON.stringify({ time: 't', type: 'learningRate', iteration: i, epoch, from: lr, to: lr / 10, source: 'user' }));
      lr = lr / 10;
      rates.push(i + 1, lr);
    }
  }
  if (opts.lastState === 'paused') events.push(JSON.stringify({ time: 't', type: 'state', state: 'paused', iteration: opts.iterations, epoch: Math.ceil(opts.iterations / 4) }));
  if (opts.checkpoint !== false) {
    writeFileSync(path.join(dir, 'checkpoints', 'latest.json'), '{}');
    events.push(JSON.stringify({ time: 't', type: 'checkpoint', iteration: opts.iterations, epoch: Math.ceil(opts.iterations / 4), path: path.join(dir, 'checkpoints', 'latest.json') }));
  }
  if (opts.summary) {
    events.push(JSON.stringify({ time: 't', type: 'state', state: opts.summary.state, iteration: opts.iterations, epoch: Math.ceil(opts.iterations / 4) }));
    events.push(JSON.stringify({ time: 't', type: 'summary', summary: opts.summary }));
    writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(opts.summary));
  }
  if (!v1) {
    writeFileSync(path.join(dir, 'costs.f64'), Buffer.from(new Float64Array(costs).buffer));
    writeFileSync(path.join(dir, 'lr.f64'), Buffer.from(new Float64Array(rates).buffer));
  }
  const torn = opts.tornLastLine ? (v1 ? '{"kind":"iter","iterat' : '{"kind":"epoch","epo') : '';
  writeFileSync(path.join(dir, 'metrics.jsonl'), metrics.join('\n') + '\n' + torn);
  writeFileSync(path.join(dir, 'events.jsonl'), events.join('\n') + '\n');
  if (!v1 && opts.tornLastLine) {
    // A crash mid-write can also leave a partial float64 at the end of costs.f64.
    appendFileSync(path.join(dir, 'costs.f64'), Buffer.from([1, 2, 3]));
  }
  return dir;
}

/** A manual clock for Throttle tests. */
export class FakeClock implements Clock {
  time = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Advances time, running due timers in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.time = next.at;
      next.fn();
    }
    this.time = end;
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** An in-memory engine: the test plays the engine's part. */
export class FakeEngine implements EngineHandle {
  static count = 0;
  constructor(readonly pid = 1000 + FakeEngine.count++) {}
  exited = false;
  sent: EngineCommand[] = [];
  killed: string[] = [];
  private readonly events = new Emitter<EngineEvent>();
  private readonly exits = new Emitter<EngineExit>();
  private readonly stderr = new Emitter<string>();
  send(command: EngineCommand): boolean {
    this.sent.push(command);
    return !this.exited;
  }
  onEvent = this.events.event;
  onExit = this.exits.event;
  onStderr = this.stderr.event;
  kill(signal = 'SIGKILL'): void {
    this.killed.push(signal);
    this.exit(null, signal);
  }
  emit(e: EngineEvent): void {
    this.events.fire(e);
  }
  writeStderr(t: string): void {
    this.stderr.fire(t);
  }
  exit(code: number | null, signal: string | null = null): void {
    if (this.exited) return;
    this.exited = true;
    this.exits.fire({ code, signal });
  }
}
