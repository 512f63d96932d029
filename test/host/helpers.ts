import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RunInfo, RunSummary } from '../../src/shared/protocol';
import type { Clock } from '../../src/extension/runs/throttle';

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

/** Writes a run folder as the engine does (docs/run-folder.md). */
export function writeRunFolder(runsDir: string, name: string, opts: {
  iterations: number;
  lr?: number;
  lrChangeAt?: number;
  summary?: RunSummary;
  lastState?: 'running' | 'paused';
  checkpoint?: boolean;
  tornLastLine?: boolean;
  nanAt?: number;
}): string {
  const dir = path.join(runsDir, name);
  mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
  const info = runInfo(name, dir, { configPath: '/ws/moons.nn.json' });
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(info));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ name: 'moons', configPath: '/ws/moons.nn.json' }));
  const metrics: string[] = [];
  const events: string[] = [JSON.stringify({ time: 't', type: 'runInfo', info }), JSON.stringify({ time: 't', type: 'state', state: 'running', iteration: 0, epoch: 0 })];
  let lr = opts.lr ?? 0.1;
  for (let i = 1; i <= opts.iterations; i++) {
    const epoch = Math.ceil(i / 4);
    const cost = opts.nanAt === i ? 'NaN' : 1 / i;
    metrics.push(JSON.stringify({ kind: 'iter', iteration: i, epoch, cost, lr }));
    if (i % 4 === 0) {
      metrics.push(JSON.stringify({ kind: 'epoch', epoch, iteration: i, trainCost: 1 / i, trainError: 0.5 / epoch, devCost: 1.1 / i, devError: 0.6 / epoch, learningRate: lr, seconds: 0.1 }));
      metrics.push(JSON.stringify({ kind: 'layers', iteration: i, layers: [{ layer: 'L1', gradNorm: opts.nanAt ? 'Infinity' : 0.1, weightNorm: 1, updateRatio: 1e-3, meanAbsGrad: 0.01, activationMean: 0, activationStd: 1, saturated: 0, deadRelu: 0 }] }));
    }
    if (opts.lrChangeAt === i) {
      events.push(JSON.stringify({ time: 't', type: 'learningRate', iteration: i, epoch, from: lr, to: lr / 10, source: 'user' }));
      lr = lr / 10;
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
  writeFileSync(path.join(dir, 'metrics.jsonl'), metrics.join('\n') + '\n' + (opts.tornLastLine ? '{"kind":"iter","iterat' : ''));
  writeFileSync(path.join(dir, 'events.jsonl'), events.join('\n') + '\n');
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
