/**
 * The engine → host channel. The trainer hands it every iteration's cost, every epoch summary
 * and layer sample, and discrete events (state, flags, reports…). Points are held and sent as one
 * `telemetry` message per interval (50 ms: ≤ 20 messages/s at any iteration rate), each series as
 * a bucket chunk no finer than the receiver's buckets will be once it is folded in (so never more
 * buckets than the receiver holds, and usually a few), so a message has a fixed upper size however
 * fast the run is. Discrete events go out at once, after the held points (the host sees the
 * costs up to a pause before the pause): a control's acknowledgement never waits behind
 * telemetry.
 *
 * It also folds everything it sends into its own RunView, so it can answer `snapshot` (a host
 * that reattaches after a window reload) with the whole run, bounded, without reading a file.
 */
import { appendPoint, BUCKETS, cloneBuckets, createBuckets, type Buckets } from '../../shared/buckets';
import type { EngineEvent, EpochSummary, LayerStat } from '../../shared/protocol';
import { keepLayerSample } from '../../shared/run-folder';
import {
  applyEvent, emptyRunView, EPOCH_COLUMNS, epochPoint, ITERATION_COLUMNS, layerColumns, layerPoint, type RunView,
} from '../../shared/run-view';
import type { RunSink } from '../train/trainer';

/**
 * The bucket width `b` will have once `n` more points are folded in: a chunk's buckets no wider
 * than that keep the receiver's resolution even (a first message of 1,400 points into an empty
 * view must not become a few 8-point buckets in a series that settles at 2 points a bucket —
 * that stretch of the run would stay 4× coarser than the rest, drawn as a gap, for ever).
 */
function widthAfter(b: Buckets | null, capacity: number, n: number): number {
  let w = b?.width ?? 1;
  while ((b?.count ?? 0) + n > w * capacity) w *= 2;
  return w;
}

/**
 * What a click waits for, or what ends a run: sent at once (after the held points). Everything
 * else rides along with the next telemetry message.
 */
const IMMEDIATE: ReadonlySet<EngineEvent['type']> = new Set<EngineEvent['type']>([
  'hello', 'runInfo', 'state', 'learningRate', 'gradientCheck', 'testResult', 'error', 'summary', 'history', 'lrFind',
  'diagnoseProgress', 'diagnosis',
]);
/** Of these only the newest held one matters (each replaces the previous in a view). */
const REPLACING: ReadonlySet<EngineEvent['type']> = new Set<EngineEvent['type']>(['verdict', 'snapshot', 'checkpoint']);

export interface TelemetryOptions {
  /** Milliseconds between telemetry messages. */
  intervalMs: number;
  send: (event: EngineEvent) => void;
  now?: () => number;
}

/** Points of one series held for the next message. */
class Pending {
  private xs: number[] = [];
  private rows: (number | null)[][] = [];

  constructor(private readonly columns: () => readonly string[]) {}

  get size(): number {
    return this.xs.length;
  }

  push(x: number, row: (number | null)[]): void {
    this.xs.push(x);
    this.rows.push(row);
  }

  /**
   * The held points as a chunk of buckets `width` points wide (one bucket a point while
   * width is 1): never more buckets than the receiver holds (`capacity`), and a long fast run's
   * messages stay a few buckets each (600 points into a view of width 128: 5 buckets).
   */
  take(width: number, capacity: number): Buckets | undefined {
    if (!this.xs.length) return undefined;
    const n = this.xs.length;
    const wanted = Math.max(2, Math.ceil(n / width));
    const chunk = createBuckets(this.columns(), Math.min(capacity, wanted + (wanted % 2)));
    chunk.width = width;
    for (let i = 0; i < n; i++) appendPoint(chunk, this.xs[i], this.rows[i]);
    this.xs = [];
    this.rows = [];
    return cloneBuckets(chunk);
  }
}

export class Telemetry implements RunSink {
  readonly view: RunView = emptyRunView('', '');
  private readonly iterations = new Pending(() => ITERATION_COLUMNS);
  private readonly epochs = new Pending(() => EPOCH_COLUMNS);
  private layerCols: string[] = [];
  private readonly layers = new Pending(() => this.layerCols);
  private lastEpoch: EpochSummary | undefined;
  private lastLayers: { iteration: number; layers: LayerStat[] } | undefined;
  private heldEvents: EngineEvent[] = [];
  private position = { iteration: 0, epoch: 0, learningRate: 0 };
  private layerEvery = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: TelemetryOptions) {}

  iteration(iteration: number, epoch: number, cost: number, learningRate: number): void {
    this.iterations.push(iteration, [cost, learningRate]);
    this.position = { iteration, epoch, learningRate };
    this.schedule();
  }

  emit(event: EngineEvent): void {
    switch (event.type) {
      case 'epoch':
        this.epochs.push(event.summary.epoch, epochPoint(event.summary));
        this.lastEpoch = event.summary;
        this.schedule();
        return;
      case 'layerStats': {
        this.lastLayers = { iteration: event.iteration, layers: event.layers };
        if (this.layerEvery > 0 && !keepLayerSample(Math.round(event.iteration / this.layerEvery))) {
          this.schedule();
          return;
        }
        const cols = layerColumns(event.layers.map((l) => l.layer));
        if (cols.join('\n') !== this.layerCols.join('\n')) {
          this.flush();
          this.layerCols = cols;
        }
        this.layers.push(event.iteration, layerPoint(cols, event.layers));
        this.schedule();
        return;
      }
      case 'metrics':
        for (let k = 0; k < event.costs.length; k++) this.iteration(event.firstIteration + k, event.epoch, event.costs[k], event.learningRate);
        return;
      case 'runInfo':
        this.layerEvery = event.info.config.diagnostics.layerStatsEvery;
        break;
      case 'state':
        this.position = { ...this.position, iteration: event.iteration, epoch: event.epoch };
        break;
      case 'learningRate':
        this.position = { ...this.position, learningRate: event.to };
        break;
      default:
        break;
    }
    if (!IMMEDIATE.has(event.type)) {
      if (REPLACING.has(event.type)) this.heldEvents = this.heldEvents.filter((e) => e.type !== event.type);
      this.heldEvents.push(event);
      this.schedule();
      return;
    }
    this.flush();
    this.send(event);
  }

  /** Sends held points now (before a discrete event, on exit). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const v = this.view;
    const iterations = this.iterations.take(widthAfter(v.iterations, BUCKETS.iterations, this.iterations.size), BUCKETS.iterations);
    const epochs = this.epochs.take(widthAfter(v.epochs, BUCKETS.epochs, this.epochs.size), BUCKETS.epochs);
    const layers = this.layers.take(widthAfter(v.layers, BUCKETS.layers, this.layers.size), BUCKETS.layers);
    const events = this.heldEvents.length ? this.heldEvents : undefined;
    if (!iterations && !epochs && !layers && !this.lastLayers && !this.lastEpoch && !events) return;
    const event: EngineEvent = {
      type: 'telemetry', ...this.position, iterations, epochs, layers, lastEpoch: this.lastEpoch, lastLayers: this.lastLayers, events,
    };
    this.lastEpoch = undefined;
    this.lastLayers = undefined;
    this.heldEvents = [];
    this.send(event);
  }

  /** The whole run as this engine knows it (a compact copy). */
  history(): RunView {
    return {
      ...this.view,
      iterations: cloneBuckets(this.view.iterations), epochs: cloneBuckets(this.view.epochs),
      layers: this.view.layers ? cloneBuckets(this.view.layers) : null,
    };
  }

  /** Starts from a resumed run's replayed folder, and tells the host (before any new point). */
  restore(view: RunView): void {
    Object.assign(this.view, view);
    this.opts.send({ type: 'history', view: this.history() });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flush();
    }, this.opts.intervalMs);
  }

  private send(event: EngineEvent): void {
    applyEvent(this.view, event);
    this.opts.send(event);
  }
}
