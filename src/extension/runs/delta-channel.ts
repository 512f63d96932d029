/**
 * Snapshot-then-deltas to one webview. A webview that says `ready` (new, reloaded, or shown again
 * after being hidden) gets the whole state once; after that only the deltas that arrive, batched
 * by a Throttle (≤ `ratePerSecond` posts/s). At most one post is in flight: a busy webview (or a
 * slow link) gets fewer, larger posts, never a queue. Every message passes through
 * `encodeNonFinite`: postMessage is JSON, and NaN/±Infinity would otherwise become null.
 * The host folds every delta into its own view before offering it here, so snapshot + later
 * deltas always equal the host's view.
 */
import type { HostToWebview } from '../../shared/webview-protocol';
import { encodeNonFinite } from '../../shared/nonfinite';
import { realClock, Throttle, type Clock } from './throttle';

export interface DeltaChannelOptions<T> {
  /** Posts to the webview; may return a promise (VS Code's postMessage) or nothing. */
  post: (message: unknown) => unknown;
  /** Builds the full-state message. */
  snapshot: () => HostToWebview;
  /** Turns a batch of deltas into the messages to post (one per run). */
  messages: (batch: T[]) => { message: HostToWebview; events: number }[];
  ratePerSecond: number;
  clock?: Clock;
}

/** Longest wait for a post's delivery before the next one goes out anyway. */
const MAX_IN_FLIGHT_MS = 2000;

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

export class DeltaChannel<T> {
  private isReady = false;
  private inFlight = false;
  private held: T[] = [];
  private urgentPending = false;
  private readonly throttle: Throttle<T>;
  private readonly clock: Clock;
  /** Counters, for tests and the output log. */
  readonly stats = { snapshots: 0, eventPosts: 0, events: 0, eventsIn: 0, snapshotMs: 0, maxDeliveryMs: 0 };

  constructor(private readonly opts: DeltaChannelOptions<T>) {
    this.clock = opts.clock ?? realClock;
    this.throttle = new Throttle<T>(opts.ratePerSecond, (items) => this.flush(items), this.clock);
  }

  get ready(): boolean {
    return this.isReady;
  }

  /** The webview (re)loaded: drop stale deltas and send the whole state. */
  onReady(): void {
    this.isReady = true;
    this.sendSnapshot();
  }

  /** What the webview shows changed: resend the whole state if it is loaded. */
  retarget(): void {
    if (this.isReady) this.sendSnapshot();
  }

  /** The webview's document was discarded: wait for the next `ready`. */
  reset(): void {
    this.isReady = false;
    this.held = [];
    this.throttle.clear();
  }

  /** A delta already folded into the host's view; `urgent`: sent now, with what is buffered before it. */
  push(item: T, urgent = false): void {
    if (!this.isReady) return;
    // What a click waits for does not wait behind a slow delivery either: the held deltas and
    // this one go out now, in order (rare, so the one-in-flight bound still holds on average).
    this.urgentPending = urgent;
    this.throttle.push(item);
    if (urgent) this.throttle.flushNow();
    this.urgentPending = false;
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
    const t0 = this.clock.now();
    this.track(this.opts.post(encodeNonFinite(this.opts.snapshot())));
    this.stats.snapshotMs = Math.max(this.stats.snapshotMs, this.clock.now() - t0);
  }

  private track(result: unknown): void {
    if (!isThenable(result)) return;
    this.inFlight = true;
    const sent = this.clock.now();
    let settled = false;
    // A delivery that never settles (a webview torn down mid-post) must not stall the channel.
    const guard = this.clock.setTimeout(() => done(), MAX_IN_FLIGHT_MS);
    const done = (): void => {
      if (settled) return;
      settled = true;
      this.clock.clearTimeout(guard);
      this.inFlight = false;
      this.stats.maxDeliveryMs = Math.max(this.stats.maxDeliveryMs, this.clock.now() - sent);
      if (this.held.length && this.isReady) {
        const again = this.held;
        this.held = [];
        // Back through the throttle: the rate limit still holds.
        this.throttle.pushMany(again, true);
      }
    };
    result.then(done, done);
  }

  private flush(items: T[]): void {
    const urgent = this.urgentPending;
    this.urgentPending = false;
    if (this.inFlight && !urgent) {
      this.held.push(...items);
      return;
    }
    if (this.held.length) items = [...this.held.splice(0), ...items];
    this.stats.eventsIn += items.length;
    for (const { message, events } of this.opts.messages(items)) {
      this.stats.eventPosts++;
      this.stats.events += events;
      this.track(this.opts.post(encodeNonFinite(message)));
    }
  }
}
