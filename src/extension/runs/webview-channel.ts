/**
 * The run webviews' channel (dashboard, side-panel view, compare): engine events of the runs the
 * webview shows, one `events` post per run per batch. See ./delta-channel.
 */
import type { EngineEvent } from '../../shared/protocol';
import { URGENT_EVENTS, type HostToWebview } from '../../shared/webview-protocol';
import { DeltaChannel } from './delta-channel';
import type { Run } from './run-manager';
import type { Clock } from './throttle';

export interface ChannelOptions {
  /** Posts to the webview; may return a promise (VS Code's postMessage) or nothing. */
  post: (message: unknown) => unknown;
  /** Builds the full-state message for the current target (dashboard, sidebar or compare). */
  snapshot: () => HostToWebview;
  /** Whether events of this run are shown by this webview. */
  accepts: (run: Run) => boolean;
  ratePerSecond: number;
  clock?: Clock;
}

interface Pending {
  runId: string;
  event: EngineEvent;
}

export class WebviewChannel extends DeltaChannel<Pending> {
  constructor(private readonly options: ChannelOptions) {
    super({ ...options, messages: batchByRun });
  }

  /** An engine event already folded into the host's view of `run`. Acknowledgements of a control go out at once. */
  event(run: Run, event: EngineEvent): void {
    if (this.options.accepts(run)) this.push({ runId: run.id, event }, URGENT_EVENTS.has(event.type));
  }
}

/** One message per run (a dashboard shows one run, so one post); order within a run is kept. */
function batchByRun(items: Pending[]): { message: HostToWebview; events: number }[] {
  const byRun = new Map<string, EngineEvent[]>();
  for (const { runId, event } of items) {
    let list = byRun.get(runId);
    if (!list) byRun.set(runId, (list = []));
    list.push(event);
  }
  return [...byRun].map(([runId, events]) => ({ message: { type: 'events', runId, events }, events: events.length }));
}
