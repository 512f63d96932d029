/**
 * The webview hub, extended with search trials: a trial's engine belongs to its search process, so
 * its events come from the run folder follower (SearchManager.onTrialEvent) rather than from the
 * RunManager. Every channel (dashboards, the Live view, compare) gets them like any engine event,
 * so a trial's dashboard is the normal dashboard, live.
 */
import type { RunManager } from '../runs/run-manager';
import type { ChannelOptions, WebviewChannel } from '../runs/webview-channel';
import { WebviewHub } from '../ui/webviews';
import type { SearchManager } from './search-manager';

export class SearchAwareHub extends WebviewHub {
  private readonly accepts = new Map<WebviewChannel, (runId: string) => boolean>();
  private readonly subs: { dispose(): void }[];

  constructor(runs: RunManager, searches: SearchManager) {
    super(runs);
    this.subs = [
      searches.onTrialEvent(({ run, event }) => {
        for (const c of this.accepts.keys()) c.event(run.id, event);
      }),
      // A trial started again in a fresh folder: whoever shows it needs the new history whole.
      searches.onDidResetTrial((run) => {
        for (const [c, accepts] of this.accepts) if (accepts(run.id)) c.retarget();
      }),
    ];
  }

  override create(opts: ChannelOptions): WebviewChannel {
    const channel = super.create(opts);
    this.accepts.set(channel, opts.accepts);
    return channel;
  }

  override remove(channel: WebviewChannel): void {
    this.accepts.delete(channel);
    super.remove(channel);
  }

  override dispose(): void {
    for (const s of this.subs) s.dispose();
    this.accepts.clear();
    super.dispose();
  }
}
