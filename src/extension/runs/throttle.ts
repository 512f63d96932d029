/**
 * Coalesces items pushed at any rate into at most `ratePerSecond` flushes per second. The first
 * item after a quiet period goes out at once (leading edge); later ones wait for the next slot and
 * go out together, in order. Nothing is dropped.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class Throttle<T> {
  private buffer: T[] = [];
  private timer: unknown = undefined;
  private lastFlush = Number.NEGATIVE_INFINITY;
  private intervalMs: number;
  private disposed = false;

  constructor(
    ratePerSecond: number,
    private readonly flush: (items: T[]) => void,
    private readonly clock: Clock = realClock,
  ) {
    this.intervalMs = Throttle.interval(ratePerSecond);
  }

  /** Milliseconds between flushes for a rate; non-positive or non-finite rates fall back to 10/s. */
  static interval(ratePerSecond: number): number {
    const rate = Number.isFinite(ratePerSecond) && ratePerSecond > 0 ? ratePerSecond : 10;
    return 1000 / rate;
  }

  setRate(ratePerSecond: number): void {
    this.intervalMs = Throttle.interval(ratePerSecond);
  }

  get pending(): number {
    return this.buffer.length;
  }

  push(item: T): void {
    this.pushMany([item]);
  }

  /**
   * Adds several items at once; they leave together (one flush), at the next allowed time.
   * `front`: they are older than what is buffered (items handed back after a held post).
   */
  pushMany(items: readonly T[], front = false): void {
    if (this.disposed || items.length === 0) return;
    if (front) this.buffer = [...items, ...this.buffer];
    else for (const item of items) this.buffer.push(item);
    if (this.timer !== undefined) return;
    const wait = this.lastFlush + this.intervalMs - this.clock.now();
    if (wait <= 0) {
      this.flushNow();
    } else {
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        this.flushNow();
      }, wait);
    }
  }

  /** Sends what is buffered now (if anything) and restarts the interval. */
  flushNow(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffer.length === 0 || this.disposed) return;
    const items = this.buffer;
    this.buffer = [];
    this.lastFlush = this.clock.now();
    this.flush(items);
  }

  /** Drops what is buffered without sending it (a snapshot is about to replace it). */
  clear(): void {
    this.buffer = [];
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  dispose(): void {
    this.clear();
    this.disposed = true;
  }
}
