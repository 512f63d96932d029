/**
 * Follows a run folder that another process writes (a search trial: its engine belongs to the
 * search process, not to this host): reads what was appended to metrics.jsonl and events.jsonl
 * since the last look and turns it into the engine events that a live engine would have sent, in
 * the same order the replay of a finished folder uses (an event that names an iteration comes
 * after the metrics up to that iteration). A line still being written is kept for the next look.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EngineEvent } from '../../shared/protocol';
import { eventIteration, parseJsonLines, RUN_FILES, toEvent, toMetricRecord, type MetricRecord } from '../runs/run-folder';

/**
 * Merges newly read metric records and events into engine events. `position` carries the
 * iteration of the last positioned event across calls.
 */
export function mergeRecords(metricRows: Record<string, unknown>[], eventRows: Record<string, unknown>[], state: { position: number }): EngineEvent[] {
  const metrics = metricRows.map(toMetricRecord).filter((m): m is MetricRecord => m !== null);
  const events = eventRows.map(toEvent).filter((e): e is EngineEvent => e !== null);
  const out: EngineEvent[] = [];
  let mi = 0;
  const upTo = (limit: number): void => {
    while (mi < metrics.length && metrics[mi].iteration <= limit) {
      const m = metrics[mi];
      if (m.kind === 'iter') {
        const costs = [m.cost];
        let last = m.iteration;
        mi++;
        while (mi < metrics.length) {
          const n = metrics[mi];
          if (n.kind !== 'iter' || n.iteration > limit || n.iteration !== last + 1 || n.epoch !== m.epoch || !(n.lr === m.lr || (Number.isNaN(n.lr) && Number.isNaN(m.lr)))) break;
          costs.push(n.cost);
          last = n.iteration;
          mi++;
        }
        out.push({ type: 'metrics', firstIteration: m.iteration, costs, learningRate: m.lr, epoch: m.epoch });
      } else if (m.kind === 'epoch') {
        out.push({ type: 'epoch', summary: m.summary });
        mi++;
      } else {
        out.push({ type: 'layerStats', iteration: m.iteration, layers: m.layers });
        mi++;
      }
    }
  };
  for (const e of events) {
    const it = eventIteration(e);
    if (it !== undefined) state.position = it;
    upTo(state.position);
    out.push(e);
  }
  upTo(Number.POSITIVE_INFINITY);
  return out;
}

interface Tail {
  file: string;
  offset: number;
  partial: string;
}

async function readNew(t: Tail): Promise<Record<string, unknown>[]> {
  let handle: import('node:fs/promises').FileHandle | undefined;
  try {
    handle = await fs.open(t.file, 'r');
    const { size } = await handle.stat();
    if (size < t.offset) {
      // Rewritten from scratch (should not happen: the files are append-only); start over.
      t.offset = 0;
      t.partial = '';
    }
    if (size === t.offset) return [];
    const buf = Buffer.alloc(size - t.offset);
    const { bytesRead } = await handle.read(buf, 0, buf.length, t.offset);
    t.offset += bytesRead;
    const text = t.partial + buf.subarray(0, bytesRead).toString('utf8');
    const cut = text.lastIndexOf('\n');
    t.partial = cut < 0 ? text : text.slice(cut + 1);
    return cut < 0 ? [] : parseJsonLines(text.slice(0, cut));
  } catch {
    return [];
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export interface FollowerOptions {
  /** How often to look while following (ms). */
  intervalMs?: number;
  /** Receives each batch of new events, in order. */
  onEvents: (events: EngineEvent[]) => void;
  log?: (message: string) => void;
}

export class RunFolderFollower {
  private readonly metrics: Tail;
  private readonly events: Tail;
  private readonly merge = { position: Number.NEGATIVE_INFINITY };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private polling: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(readonly runDir: string, private readonly opts: FollowerOptions) {
    this.metrics = { file: path.join(runDir, RUN_FILES.metrics), offset: 0, partial: '' };
    this.events = { file: path.join(runDir, RUN_FILES.events), offset: 0, partial: '' };
  }

  /** Reads what is new now (calls queue up); resolves once its events were delivered. */
  poll(): Promise<void> {
    const next = this.polling.then(async () => {
      const [m, e] = await Promise.all([readNew(this.metrics), readNew(this.events)]);
      if (!m.length && !e.length) return;
      const out = mergeRecords(m, e, this.merge);
      if (out.length) this.opts.onEvents(out);
    });
    this.polling = next.catch((err: unknown) => this.opts.log?.(`following ${this.runDir} failed: ${String(err)}`));
    return this.polling;
  }

  /** Looks every `intervalMs` until `stop()`. */
  start(): void {
    if (this.stopped || this.timer) return;
    const tick = (): void => {
      this.timer = setTimeout(() => {
        void this.poll().then(() => {
          if (!this.stopped) tick();
        });
      }, this.opts.intervalMs ?? 250);
    };
    tick();
  }

  get following(): boolean {
    return this.timer !== undefined && !this.stopped;
  }

  /** Stops looking, after one last look (so what the trial wrote before it ended is all there). */
  async stop(finalLook = true): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (finalLook) await this.poll();
    else await this.polling;
  }
}
