/**
 * Snapshot-then-deltas for one search view, as ../runs/webview-channel does for a run: on `ready`
 * the whole SearchView, then the search events that arrive, batched by a Throttle (≤ 10 posts/s
 * whatever the setting says), compacted (a trial's record superseded within a batch is dropped)
 * and encoded so that NaN/±Infinity metrics survive postMessage's JSON. At most one post is in
 * flight: a busy webview gets fewer, larger posts, never a queue. The host folds every event into
 * its own SearchView before offering it here, so snapshot + later deltas equal the host's view.
 */
import type { HostToWebview } from '../../shared/webview-protocol';
import { encodeNonFinite } from '../../shared/webview-protocol';
import { compactSearchEvents, type SearchViewEvent } from '../../shared/search-view';
import { realClock, Throttle, type Clock } from '../runs/throttle';

/** The search view never gets more than this many posts per second. */
export const MAX_SEARCH_POSTS_PER_SECOND = 10;
const MAX_IN_FLIGHT_MS = 2000;

export interface SearchChannelOptions {
  post: (message: unknown) => unknown;
  /** The full state (a `searchSnapshot`). */
  snapshot: () => HostToWebview;
  /** The search folder the deltas belong to (known once the search started). */
  dir: () => string;
  ratePerSecond: number;
  clock?: Clock;
}

const rateOf = (r: number): number => Math.min(MAX_SEARCH_POSTS_PER_SECOND, Number.isFinite(r) && r > 0 ? r : MAX_SEARCH_POSTS_PER_SECOND);

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

export class SearchChannel {
  private isReady = false;
  private inFlight = false;
  private held: SearchViewEvent[] = [];
  private readonly throttle: Throttle<SearchViewEvent>;
  private readonly clock: Clock;
  readonly stats = { snapshots: 0, eventPosts: 0, events: 0, eventsIn: 0, maxDeliveryMs: 0 };

  constructor(private readonly opts: SearchChannelOptions) {
    this.clock = opts.clock ?? realClock;
    this.throttle = new Throttle<SearchViewEvent>(rateOf(opts.ratePerSecond), (items) => this.flush(items), this.clock);
  }

  get ready(): boolean {
    return this.isReady;
  }

  /** The webview (re)loaded: send the whole state; deltas follow. */
  onReady(): void {
    this.isReady = true;
    this.sendSnapshot();
  }

  /** The host replaced its view (re-read from disk): send the whole state again if loaded. */
  retarget(): void {
    if (this.isReady) this.sendSnapshot();
  }

  /** The webview's document is gone: wait for the next `ready`. */
  reset(): void {
    this.isReady = false;
    this.held = [];
    this.throttle.clear();
  }

  /** An event already folded into the host's SearchView. */
  event(event: SearchViewEvent): void {
    if (!this.isReady) return;
    this.throttle.push(event);
  }

  setRate(ratePerSecond: number): void {
    this.throttle.setRate(rateOf(ratePerSecond));
  }

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
    this.track(this.opts.post(encodeNonFinite(this.opts.snapshot())));
  }

  private track(result: unknown): void {
    if (!isThenable(result)) return;
    this.inFlight = true;
    const sent = this.clock.now();
    let settled = false;
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
        this.throttle.pushMany(again, true);
      }
    };
    result.then(done, done);
  }

  private flush(items: SearchViewEvent[]): void {
    if (this.inFlight) {
      this.held.push(...items);
      return;
    }
    const events = compactSearchEvents(items);
    this.stats.eventPosts++;
    this.stats.events += events.length;
    this.stats.eventsIn += items.length;
    const message: HostToWebview = { type: 'searchEvents', dir: this.opts.dir(), events };
    this.track(this.opts.post(encodeNonFinite(message)));
  }
}
