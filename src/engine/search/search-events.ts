/**
 * The search's events to its listeners (the search process forwards them to the host, the CLI
 * prints them): state changes go out at once; a trial that only trained on is sent at most once
 * per `throttleMs` as one 'updated' event with the progress, however many epochs it reported.
 */
import type { SearchEvent, SearchProgress, TrialRecord } from '../../shared/search-protocol';

export type SearchListener = (event: SearchEvent) => void;

export class SearchEvents {
  private readonly listeners: SearchListener[] = [];
  private readonly changed = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly trials: () => readonly TrialRecord[], private readonly progress: () => SearchProgress, private readonly throttleMs: number) {}

  /** Every event; returns a function that removes the listener. */
  onAny(listener: SearchListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  emit(event: SearchEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        /* a listener's failure must not break the search */
      }
    }
  }

  emitProgress(): void {
    this.emit({ type: 'progress', ...this.progress() });
  }

  /** The trial changed without changing state: an 'updated' event (and the progress) within `throttleMs`. */
  touch(id: number): void {
    this.changed.add(id);
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
      this.emitProgress();
    }, this.throttleMs);
  }

  /** The caller sends the trial's record now (a state change): a pending 'updated' of it would only repeat it. */
  sent(id: number): void {
    this.changed.delete(id);
  }

  /** The search ended: what is pending goes out now, nothing is held after. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
  }

  private flush(): void {
    for (const id of this.changed) {
      const t = this.trials().find((x) => x.id === id);
      if (t) this.emit({ type: 'trial', change: 'updated', trial: structuredClone(t) });
    }
    this.changed.clear();
  }
}
