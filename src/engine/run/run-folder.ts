import * as fs from 'node:fs';
import * as path from 'node:path';
import { fromJson, toJson } from '../../shared/nonfinite';
import type { EngineEvent, RunInfo, RunSummary } from '../../shared/protocol';
import {
  epochLine, eventLine, float64Column, isRecordedEvent, keepLayerSample, layersLine, RUN_FILES, type RunFolderContents,
} from '../../shared/run-folder';
import type { RunSink, RunStore } from '../train/trainer';
import { writeFileAtomic } from './atomic-write';
import type { Checkpoint } from './checkpoint';
import { readCheckpointFile, writeCheckpointFile } from './checkpoint-file';
import { inRunFolder, RunFolderInUseError } from './fs-errors';
import { releasePidLock, takePidLock } from '../util/pid-lock';

export { writeFileAtomic };

/** Held by the live engine writing a run folder: its pid (removed at close; a dead pid's lock is taken over). */
export const LOCK_FILE = 'engine.lock';

/** Takes the run folder's lock, so two engines never interleave one folder's records. */
export function lockRunFolder(dir: string): void {
  takePidLock(path.join(dir, LOCK_FILE), (pid) => new RunFolderInUseError(dir, pid === null
    ? 'is being taken by another run at this moment'
    : `is in use by another run (engine process ${pid}); give a new --out folder or stop that run first`));
}

export function unlockRunFolder(dir: string): void {
  releasePidLock(path.join(dir, LOCK_FILE));
}

/** A fresh run must not write into a folder holding another run (it would mix two runs' records). */
export function assertNoRunIn(dir: string): void {
  const held = [RUN_FILES.info, RUN_FILES.metrics, RUN_FILES.costs, RUN_FILES.checkpoint].find((f) => fs.existsSync(path.join(dir, f)));
  if (!held) return;
  let state = 'a run';
  try {
    const summary = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.summary), 'utf8')) as { state?: string };
    if (summary.state) state = `a ${summary.state} run`;
  } catch { /* no summary: a run that ended early or still runs */ }
  throw new RunFolderInUseError(dir, `already holds ${state} (${held}); give a new --out folder, or resume that run from its checkpoint`);
}

export function runFolderName(name: string, now = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const safe = name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
  return `${stamp}-${safe}`;
}

/** A new, unused run folder under `runsDir`. */
export function createRunDir(runsDir: string, name: string): string {
  return inRunFolder(runsDir, () => createRunDirIn(runsDir, name));
}

function createRunDirIn(runsDir: string, name: string): string {
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
 * The run folder (format in docs/run-folder.md and src/shared/run-folder.ts): a sink that appends
 * every iteration's cost to costs.f64 (8 bytes each) and each learning-rate change to lr.f64,
 * epoch summaries and the kept layer samples to metrics.jsonl, every other event to events.jsonl;
 * and the store for checkpoints, gradient-check reports and the final model. Points are buffered
 * and written with each flush (within FLUSH_MS of being recorded — a timer catches the last points
 * before a pause — and before every event), so whatever was recorded before a crash survives, and
 * a long run costs a few appends a second.
 */
const FLUSH_MS = 100;
const COST_BUFFER = 8192;

export class RunFolder implements RunSink, RunStore {
  private readonly metricsFd: number;
  private readonly eventsFd: number;
  private readonly costsFd: number;
  private readonly lrFd: number;
  private readonly costs = new Float64Array(COST_BUFFER);
  private held = 0;
  private lrPairs: number[] = [];
  private lastRate = Number.NaN;
  private metricLines: string[] = [];
  /** Event lines held like metric lines (verdicts: a full-batch run can change diagnosis most epochs). */
  private eventLines: string[] = [];
  private layerEvery = 0;
  private lastFlush = Date.now();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** The verdict is written when its diagnosis changes (and the last one at the end), not every epoch. */
  private verdict: { written: boolean; event: Extract<EngineEvent, { type: 'verdict' }> } | null = null;
  /** Bytes not yet appended, per file descriptor, in order: a failed or short write resumes exactly where it stopped. */
  private readonly pending = new Map<number, Buffer[]>();
  /** With `hold`: the write failure that stopped appends (they stay queued); null while the folder is writable. */
  private failed: Error | null = null;
  private readonly hold: boolean;

  /**
   * Opens the folder for appending; `fresh`: a new run, which must not find another run's files
   * there; `hold`: a failed append is kept queued and reported by `failure()` instead of thrown
   * (the run pauses, and writes on once there is room again).
   */
  constructor(readonly dir: string, options: { fresh?: boolean; hold?: boolean } = {}) {
    this.hold = options.hold ?? false;
    [this.metricsFd, this.eventsFd, this.costsFd, this.lrFd] = inRunFolder(dir, () => {
      fs.mkdirSync(path.join(dir, RUN_FILES.checkpoints), { recursive: true });
      lockRunFolder(dir);
      try {
        if (options.fresh) assertNoRunIn(dir);
        return [RUN_FILES.metrics, RUN_FILES.events, RUN_FILES.costs, RUN_FILES.learningRates].map((f) => fs.openSync(path.join(dir, f), 'a'));
      } catch (e) {
        unlockRunFolder(dir);
        throw e;
      }
    });
  }

  writeJson(name: string, value: unknown): void {
    inRunFolder(this.dir, () => writeFileAtomic(path.join(this.dir, name), toJson(value, 1) + '\n'));
  }

  iteration(iteration: number, _epoch: number, cost: number, learningRate: number): void {
    if (learningRate !== this.lastRate) {
      this.lrPairs.push(iteration, learningRate);
      this.lastRate = learningRate;
    }
    this.costs[this.held++] = cost;
    if (this.held === COST_BUFFER) this.flush();
    else if (this.held % 256 === 0 && Date.now() - this.lastFlush >= FLUSH_MS) this.flush();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.flush();
      }, FLUSH_MS);
      this.flushTimer.unref();
    }
  }

  /** Writes held points in the order they happened. */
  flush(): void {
    this.lastFlush = Date.now();
    if (this.held > 0) {
      this.queue(this.costsFd, Buffer.from(this.costs.buffer, 0, this.held * 8));
      this.held = 0;
    }
    if (this.lrPairs.length) {
      this.queue(this.lrFd, Buffer.from(Float64Array.from(this.lrPairs).buffer));
      this.lrPairs = [];
    }
    if (this.metricLines.length) {
      this.queue(this.metricsFd, Buffer.from(this.metricLines.join('\n') + '\n'));
      this.metricLines = [];
    }
    if (this.eventLines.length) {
      this.queue(this.eventsFd, Buffer.from(this.eventLines.join('\n') + '\n'));
      this.eventLines = [];
    }
    this.drain();
  }

  /** The write failure holding appends back (with `hold`), or null. */
  failure(): Error | null {
    return this.failed;
  }

  /** Tries the held appends again (after the user made room); true when everything is written. */
  retry(): boolean {
    this.failed = null;
    this.flush();
    return this.failed === null;
  }

  private queue(fd: number, bytes: Buffer): void {
    // A copy: the cost buffer is reused for the next points.
    const list = this.pending.get(fd) ?? [];
    list.push(Buffer.from(bytes));
    this.pending.set(fd, list);
  }

  private drain(): void {
    if (this.failed) return;
    try {
      inRunFolder(this.dir, () => {
        for (const [fd, list] of this.pending) {
          while (list.length > 0) {
            const written = fs.writeSync(fd, list[0]);
            if (written < list[0].length) list[0] = list[0].subarray(written);
            else list.shift();
          }
        }
      });
    } catch (e) {
      if (!this.hold) throw e;
      this.failed = e as Error;
    }
  }

  emit(event: EngineEvent): void {
    switch (event.type) {
      case 'epoch':
        this.metricLines.push(epochLine(event.summary));
        return;
      case 'layerStats':
        if (this.layerEvery > 0 && !keepLayerSample(Math.round(event.iteration / this.layerEvery))) return;
        this.metricLines.push(layersLine(event.iteration, event.layers));
        return;
      case 'runInfo':
        this.layerEvery = event.info.config.diagnostics.layerStatsEvery;
        break;
      case 'verdict': {
        const changed = this.verdict?.event.verdict.diagnosis !== event.verdict.diagnosis;
        this.verdict = { written: changed, event };
        if (changed) this.eventLines.push(eventLine(event, new Date()));
        return;
      }
      case 'summary':
        this.flush();
        if (this.verdict && !this.verdict.written) this.writeEvent(this.verdict.event);
        this.writeJson(RUN_FILES.summary, event.summary);
        break;
      default:
        break;
    }
    if (!isRecordedEvent(event)) return;
    this.writeEvent(event);
  }

  private writeEvent(event: EngineEvent): void {
    // After the held event lines (a verdict), in the order they happened.
    this.eventLines.push(eventLine(event, new Date()));
    this.flush();
  }

  saveCheckpoint(name: 'latest' | 'best', checkpoint: Checkpoint): string {
    this.flush();
    return inRunFolder(this.dir, () => writeCheckpointFile(path.join(this.dir, RUN_FILES.checkpoints), name, checkpoint));
  }

  saveGradientCheck(report: { id: string }): void {
    inRunFolder(this.dir, () => {
      fs.mkdirSync(path.join(this.dir, RUN_FILES.gradchecks), { recursive: true });
      writeFileAtomic(path.join(this.dir, RUN_FILES.gradchecks, `${report.id}.json`), toJson(report, 1));
    });
  }

  saveModel(model: unknown): void {
    inRunFolder(this.dir, () => writeFileAtomic(path.join(this.dir, RUN_FILES.model), JSON.stringify(model)));
  }

  private closed = false;

  /** Writes what is held and releases the folder (also after a failed write: the lock must go). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    try {
      this.flush();
    } finally {
      for (const fd of [this.metricsFd, this.eventsFd, this.costsFd, this.lrFd]) {
        try {
          fs.closeSync(fd);
        } catch { /* closing is best effort once a write failed */ }
      }
      unlockRunFolder(this.dir);
    }
  }

  static readCheckpoint(dir: string): Checkpoint {
    const file = path.join(dir, RUN_FILES.checkpoint);
    if (!fs.existsSync(file)) throw new Error(`${file}: no checkpoint to resume from`);
    return readCheckpointFile(file);
  }

  /**
   * Before resuming from a checkpoint at `iteration`/`epoch`: drops what was recorded after it (a
   * crash can leave some), so the resumed run continues the curves without a zig-zag.
   */
  static truncateMetrics(dir: string, iteration: number, epoch: number): void {
    const costs = path.join(dir, RUN_FILES.costs);
    if (fs.existsSync(costs) && fs.statSync(costs).size > iteration * 8) fs.truncateSync(costs, iteration * 8);
    const lr = path.join(dir, RUN_FILES.learningRates);
    if (fs.existsSync(lr)) {
      const pairs = readFloat64(lr);
      let keep = 0;
      while (keep + 1 < pairs.length && pairs[keep] <= iteration) keep += 2;
      if (keep < pairs.length) fs.truncateSync(lr, keep * 8);
    }
    const file = path.join(dir, RUN_FILES.metrics);
    if (fs.existsSync(file)) {
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
    }
    const summary = path.join(dir, RUN_FILES.summary);
    if (fs.existsSync(summary)) fs.rmSync(summary);
  }

  /** The folder's contents as the shared replay reads them. */
  static contents(dir: string): RunFolderContents {
    const text = (f: string): string => {
      try {
        return fs.readFileSync(path.join(dir, f), 'utf8');
      } catch {
        return '';
      }
    };
    const json = (f: string): unknown => {
      try {
        return fromJson(text(f));
      } catch {
        return null;
      }
    };
    const info = json(RUN_FILES.info) as RunInfo | null;
    return {
      runId: path.basename(dir), runDir: dir, info, summary: json(RUN_FILES.summary) as RunSummary | null,
      hasCheckpoint: fs.existsSync(path.join(dir, RUN_FILES.checkpoint)),
      costs: readFloat64(path.join(dir, RUN_FILES.costs)), learningRates: readFloat64(path.join(dir, RUN_FILES.learningRates)),
      metricsText: text(RUN_FILES.metrics), eventsText: text(RUN_FILES.events),
    };
  }
}

/** A float64 column file of the run folder; empty when missing. */
export function readFloat64(file: string): Float64Array {
  try {
    return float64Column(fs.readFileSync(file));
  } catch {
    return new Float64Array(0);
  }
}
