import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineEvent } from '../../shared/protocol';
import type { EventSink, RunStore } from '../train/trainer';
import { isCheckpoint, type Checkpoint } from './checkpoint';

/** Writes a file so that readers see the old or the new content, never a torn one. */
export function writeFileAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export function runFolderName(name: string, now = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const safe = name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
  return `${stamp}-${safe}`;
}

/** A new, unused run folder under `runsDir`. */
export function createRunDir(runsDir: string, name: string): string {
  fs.mkdirSync(runsDir, { recursive: true });
  const base = path.join(runsDir, runFolderName(name));
  for (let k = 1; ; k++) {
    const dir = k === 1 ? base : `${base}-${k}`;
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/**
 * The run folder (format in docs/run-folder.md): an event sink that appends metrics and events
 * as JSON lines, and the store for checkpoints, gradient-check reports and the final model.
 * Appends go straight to the file (O_APPEND): whatever was recorded survives a crash.
 */
export class RunFolder implements EventSink, RunStore {
  private readonly metricsFd: number;
  private readonly eventsFd: number;
  /** Iteration lines not yet written; flushed with each metrics batch event (~every 100 ms). */
  private pendingLines: string[] = [];

  constructor(readonly dir: string) {
    fs.mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
    this.metricsFd = fs.openSync(path.join(dir, 'metrics.jsonl'), 'a');
    this.eventsFd = fs.openSync(path.join(dir, 'events.jsonl'), 'a');
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(path.join(this.dir, name), JSON.stringify(value, null, 1) + '\n');
  }

  recordIteration(iteration: number, epoch: number, cost: number, learningRate: number): void {
    this.pendingLines.push(JSON.stringify({ kind: 'iter', iteration, epoch, cost: finite(cost), lr: learningRate }));
  }

  /** Writes metric lines in the order they happened, whatever the batching of the events. */
  private writeMetrics(line?: string): void {
    if (line !== undefined) this.pendingLines.push(line);
    if (this.pendingLines.length === 0) return;
    fs.writeSync(this.metricsFd, this.pendingLines.join('\n') + '\n');
    this.pendingLines = [];
  }

  emit(event: EngineEvent): void {
    switch (event.type) {
      case 'metrics':
        this.writeMetrics();
        return;
      case 'epoch': {
        // Wall time stays out of metrics.jsonl so that a seeded run's metrics file is identical every time.
        const { seconds: _seconds, ...summary } = event.summary;
        this.writeMetrics(JSON.stringify({ kind: 'epoch', ...summary }, finiteReplacer));
        return;
      }
      case 'layerStats':
        this.writeMetrics(JSON.stringify({ kind: 'layers', iteration: event.iteration, layers: event.layers }, finiteReplacer));
        return;
      case 'hello':
        return;
      case 'summary':
        this.writeJson('summary.json', event.summary);
        break;
    }
    fs.writeSync(this.eventsFd, JSON.stringify({ time: new Date().toISOString(), ...event }, finiteReplacer) + '\n');
  }

  saveCheckpoint(name: 'latest' | 'best', checkpoint: Checkpoint): string {
    const file = path.join(this.dir, 'checkpoints', `${name}.json`);
    writeFileAtomic(file, JSON.stringify(checkpoint));
    return file;
  }

  saveGradientCheck(report: { id: string }): void {
    fs.mkdirSync(path.join(this.dir, 'gradchecks'), { recursive: true });
    writeFileAtomic(path.join(this.dir, 'gradchecks', `${report.id}.json`), JSON.stringify(report, finiteReplacer, 1));
  }

  saveModel(model: unknown): void {
    writeFileAtomic(path.join(this.dir, 'model.json'), JSON.stringify(model));
  }

  close(): void {
    this.writeMetrics();
    fs.closeSync(this.metricsFd);
    fs.closeSync(this.eventsFd);
  }

  static readCheckpoint(dir: string): Checkpoint {
    const file = path.join(dir, 'checkpoints', 'latest.json');
    if (!fs.existsSync(file)) throw new Error(`${file}: no checkpoint to resume from`);
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!isCheckpoint(value)) throw new Error(`${file}: not a Gradient Lab checkpoint`);
    return value;
  }

  /**
   * Before resuming from a checkpoint at `iteration`/`epoch`: drops metric lines recorded after
   * it (a crash can leave some), so the resumed run continues the curves without a zig-zag.
   */
  static truncateMetrics(dir: string, iteration: number, epoch: number): void {
    const file = path.join(dir, 'metrics.jsonl');
    if (!fs.existsSync(file)) return;
    const kept = fs.readFileSync(file, 'utf8').split('\n').filter((line) => {
      if (!line.trim()) return false;
      try {
        const r = JSON.parse(line) as { kind: string; iteration?: number; epoch?: number };
        if (r.kind === 'epoch') return (r.epoch ?? 0) <= epoch;
        return (r.iteration ?? 0) <= iteration;
      } catch {
        return false; // a torn last line from a crash
      }
    });
    writeFileAtomic(file, kept.length ? kept.join('\n') + '\n' : '');
    const summary = path.join(dir, 'summary.json');
    if (fs.existsSync(summary)) fs.rmSync(summary);
  }
}

/** JSON has no NaN/Infinity: write them as strings so they are shown, not silently turned into null. */
function finite(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

function finiteReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}
