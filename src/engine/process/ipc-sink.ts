import type { EngineEvent } from '../../shared/protocol';
import type { EventSink } from '../train/trainer';

/** Minimum milliseconds between two IPC messages of these kinds; the run folder keeps every one. */
const FLOOR_MS: Partial<Record<EngineEvent['type'], number>> = { layerStats: 50, verdict: 250 };

/**
 * The engine → host channel. A small, fast run can produce thousands of layer statistics and
 * verdicts per second; the host would spend its time parsing them. Kinds with a floor are held
 * back and the newest one is sent once the floor has passed (a verdict replaces the previous one;
 * the dashboard samples layer statistics anyway), and everything held is flushed before any state
 * change or summary, so the host never misses the last word. Epoch summaries are never held:
 * curves, early-stopping views and search metrics need every one.
 */
export class ThrottledIpcSink implements EventSink {
  private readonly last = new Map<EngineEvent['type'], number>();
  private readonly held = new Map<EngineEvent['type'], EngineEvent>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly send: (event: EngineEvent) => void, private readonly now: () => number = Date.now) {}

  emit(event: EngineEvent): void {
    const floor = FLOOR_MS[event.type];
    if (floor === undefined) {
      if (event.type === 'state' || event.type === 'summary' || event.type === 'error') this.flush();
      this.send(event);
      return;
    }
    const since = this.now() - (this.last.get(event.type) ?? -Infinity);
    if (since >= floor && !this.held.has(event.type)) {
      this.last.set(event.type, this.now());
      this.send(event);
      return;
    }
    this.held.set(event.type, event);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flush();
    }, floor);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const [type, event] of this.held) {
      this.last.set(type, this.now());
      this.send(event);
    }
    this.held.clear();
  }
}
