import * as fs from 'node:fs';
import * as path from 'node:path';
import { fromJson, toJson } from '../../shared/nonfinite';
import type { EngineEvent, RunInfo, RunSummary } from '../../shared/protocol';
import {
  epochLine, eventLine, isRecordedEvent, keepLayerSample, layersLine, RUN_FILES, type RunFolderContents,
} from '../../shared/run-folder';
import type { RunSink, RunStore } from '../train/trainer';
import { writeFileAtomic } from './atomic-write';
import type { Checkpoint } from './checkpoint';
import { readCheckpointFile, writeCheckpointFile } from './checkpoint-file';

export { writeFileAtomic };

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
 * The run folder (format in docs/run-folder.md and src/shared/run-folder.ts): a sink that appends
 * every iteration's cost to costs.f64 (8 bytes each) and each learning-rate change to lr.f64,
 * epoch summaries and the kept layer samples to metrics.jsonl, every other event to events.jsonl;
 * and the store for checkpoints, gradient-check reports and the final model. Points are buffered
 * and written with each flush (at most every FLUSH_MS, and before every event), so whatever was
 * recorded before a crash survives, and a long run costs a few appends a second.
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
  /** The verdict is written when its diagnosis changes (and the last one at the end), not every epoch. */
  private verdict: { written: boolean; event: Extract<EngineEvent, { type: 'verdict' }> } | null = null;

  constructor(readonly dir: string) {
    fs.mkdirSync(path.join(dir, RUN_FILES.checkpoints), { recursive: true });
    this.metricsFd = fs.openSync(path.join(dir, RUN_FILES.metrics), 'a');
    this.eventsFd = fs.openSync(path.join(dir, RUN_FILES.events), 'a');
    this.costsFd = fs.openSync(path.join(dir, RUN_FILES.costs), 'a');
    this.lrFd = fs.openSync(path.join(dir, RUN_FILES.learningRates), 'a');
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(path.join(this.dir, name), toJson(value, 1) + '\n');
  }

  iteration(iteration: number, _epoch: number, cost: number, learningRate: number): void {
    if (learningRate !== this.lastRate) {
      this.lrPairs.push(iteration, learningRate);
      this.lastRate = learningRate;
    }
    this.costs[this.held++] = cost;
    if (this.held === COST_BUFFER) this.flush();
    else if (this.held % 256 === 0 && Date.now() - this.lastFlush >= FLUSH_MS) this.flush();
  }

  /** Writes held points in the order they happened. */
  flush(): void {
    this.lastFlush = Date.now();
    if (this.held > 0) {
      fs.writeSync(this.costsFd, this.costs, 0, this.held * 8);
      this.held = 0;
    }
    if (this.lrPairs.length) {
      fs.writeSync(this.lrFd, Float64Array.from(this.lrPairs));
      this.lrPairs = [];
    }
    if (this.metricLines.length) {
      fs.writeSync(this.metricsFd, this.metricLines.join('\n') + '\n');
      this.metricLines = [];
    }
    if (this.eventLines.length) {
      fs.writeSync(this.eventsFd, this.eventLines.join('\n') + '\n');
      this.eventLines = [];
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
    this.flush();
    fs.writeSync(this.eventsFd, eventLine(event, new Date()) + '\n');
  }

  saveCheckpoint(name: 'latest' | 'best', checkpoint: Checkpoint): string {
    this.flush();
    return writeCheckpointFile(path.join(this.dir, RUN_FILES.checkpoints), name, checkpoint);
  }

  saveGradientCheck(report: { id: string }): void {
    fs.mkdirSync(path.join(this.dir, RUN_FILES.gradchecks), { recursive: true });
    writeFileAtomic(path.join(this.dir, RUN_FILES.gradchecks, `${report.id}.json`), toJson(report, 1));
  }

  saveModel(model: unknown): void {
    writeFileAtomic(path.join(this.dir, RUN_FILES.model), JSON.stringify(model));
  }

  close(): void {
    this.flush();
    for (const fd of [this.metricsFd, this.eventsFd, this.costsFd, this.lrFd]) fs.closeSync(fd);
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

/** A little-endian float64 column file (a torn last value from a crash is cut off); empty when missing. */
export function readFloat64(file: string): Float64Array {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return new Float64Array(0);
  }
  const n = Math.floor(buf.length / 8);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readDoubleLE(i * 8);
  return out;
}
