/**
 * Snapshot-then-deltas for one webview. A webview that says `ready` (new, reloaded, or shown again
 * after being hidden) gets the whole state once; after that it gets only the engine events that
 * arrive, batched by a Throttle (≤ `ratePerSecond` posts/s). The host folds every event into its own
 * RunView before offering it here, so snapshot + later deltas always equal the host's view.
 */
import type { EngineEvent } from '../../shared/protocol';
import type { HostToWebview } from '../../shared/webview-protocol';
import { compactEvents } from './compact';
import { encodeNonFiniteShared } from './nonfinite';
import { realClock, Throttle, type Clock } from './throttle';

export interface ChannelOptions {
  /**
   * Posts to the webview; may return a promise (VS Code's postMessage) or nothing. Receives the
   * message already passed through `encodeNonFinite` (./nonfinite: the same format, shared structure) (postMessage is JSON: NaN/±Infinity would become null).
   */
  post: (message: unknown) => unknown;
  /** Builds the full-state message for the current target (dashboard, sidebar or compare). */
  snapshot: () => HostToWebview;
  /** Whether events of this run are shown by this webview. */
  accepts: (runId: string) => boolean;
  ratePerSecond: number;
  clock?: Clock;
}

/** Longest wait for a post's delivery before the next one goes out anyway. */
const MAX_IN_FLIGHT_MS = 2000;

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

interface Pending {
  runId: string;
  event: EngineEvent;
}

export class WebviewChannel {
  private isReady = false;
  /** At most one post in flight: a busy webview (or a slow link) gets fewer, larger posts, never a queue. */
  private inFlight = false;
  private held: Pending[] = [];
  private readonly throttle: Throttle<Pending>;
  /** Counters, for tests and the output log. */
  readonly stats = { snapshots: 0, eventPosts: 0, events: 0, eventsIn: 0, snapshotMs: 0, maxDeliveryMs: 0 };

  constructor(private readonly opts: ChannelOptions) {
    this.throttle = new Throttle<Pending>(opts.ratePerSecond, (items) => this.flush(items), opts.clock ?? realClock);
  }

  get ready(): boolean {
    return this.isReady;
  }

  /** The webview (re)loaded: drop stale deltas and send the whole state. */
  onReady(): void {
    this.isReady = true;
    this.sendSnapshot();
  }

  /** The target changed (e.g. the sidebar shows another run): resend the whole state if loaded. */
  retarget(): void {
    if (this.isReady) this.sendSnapshot();
  }

  /** The webview was hidden and its document discarded: wait for the next `ready`. */
  reset(): void {
    this.isReady = false;
    this.held = [];
    this.throttle.clear();
  }

  /** An engine event already folded into the host's RunView of `runId`. */
  event(runId: string, event: EngineEvent): void {
    if (!this.isReady || !this.opts.accepts(runId)) return;
    this.throttle.push({ runId, event });
  }

  setRate(ratePerSecond: number): void {
    this.throttle.setRate(ratePerSecond);
  }

  /** Sends buffered deltas now (before a snapshot-changing action, or in tests). */
  flushNow(): void {
    this.throttle.flushNow();
  }

  dispose(): void {
    this.isReady = false;
    this.throttle.dispose();
  }

  private sendSnapshot(): void {
    this.throttle.clear();
    this.held = [];
    this.stats.snapshots++;
    const t0 = Date.now();
    this.track(this.opts.post(encodeNonFiniteShared(this.opts.snapshot())));
    this.stats.snapshotMs = Math.max(this.stats.snapshotMs, Date.now() - t0);
  }

  private track(result: unknown): void {
    if (!isThenable(result)) return;
    this.inFlight = true;
    const sent = Date.now();
    let settled = false;
    // A delivery that never settles (a webview torn down mid-post) must not stall the channel.
    const clock = this.opts.clock ?? realClock;
    const guard = clock.setTimeout(() => done(), MAX_IN_FLIGHT_MS);
    const done = (): void => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(guard);
      this.inFlight = false;
      this.stats.maxDeliveryMs = Math.max(this.stats.maxDeliveryMs, Date.now() - sent);
      if (this.held.length && this.isReady) {
        const again = this.held;
        this.held = [];
        // Back through the throttle: the rate limit still holds.
        this.throttle.pushMany(again, true);
      }
    };
    result.then(done, done);
  }

  private flush(items: Pending[]): void {
    if (this.inFlight) {
      this.held.push(...items);
      return;
    }
    // One message per run (a dashboard shows one run, so one post); order within a run is kept.
    const byRun = new Map<string, EngineEvent[]>();
    for (const { runId, event } of items) {
      let list = byRun.get(runId);
      if (!list) byRun.set(runId, (list = []));
      list.push(event);
    }
    for (const [runId, all] of byRun) {
      const events = compactEvents(all);
      this.stats.eventPosts++;
      this.stats.events += events.length;
      this.stats.eventsIn += all.length;
      const message: HostToWebview = { type: 'events', runId, events };
      this.track(this.opts.post(encodeNonFiniteShared(message)));
    }
  }
}
