/**
 * The search view's channel: on `ready` the whole SearchView, then the search events, compacted
 * (a trial's record superseded within a batch is dropped), at most 10 posts per second whatever
 * the refresh-rate setting says. See ../runs/delta-channel.
 */
import type { HostToWebview } from '../../shared/webview-protocol';
import { compactSearchEvents, type SearchViewEvent } from '../../shared/search-view';
import { DeltaChannel } from '../runs/delta-channel';
import type { Clock } from '../runs/throttle';

/** The search view never gets more than this many posts per second. */
export const MAX_SEARCH_POSTS_PER_SECOND = 10;

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

export class SearchChannel extends DeltaChannel<SearchViewEvent> {
  constructor(opts: SearchChannelOptions) {
    super({
      ...opts,
      ratePerSecond: rateOf(opts.ratePerSecond),
      messages: (items) => {
        const events = compactSearchEvents(items);
        return [{ message: { type: 'searchEvents', dir: opts.dir(), events }, events: events.length }];
      },
    });
  }

  /** An event already folded into the host's SearchView. */
  event(event: SearchViewEvent): void {
    this.push(event);
  }

  override setRate(ratePerSecond: number): void {
    super.setRate(rateOf(ratePerSecond));
  }
}
