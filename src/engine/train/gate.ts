import type { LrFindOptions } from '../../shared/diagnosis';

export type TrainerCommand =
  | { type: 'pause' } | { type: 'resume' } | { type: 'step'; iterations: number } | { type: 'stop'; reason?: string }
  | { type: 'setLearningRate'; value: number } | { type: 'gradientCheck'; requestId?: string }
  | { type: 'evaluateTest' } | { type: 'checkpoint' } | { type: 'pauseAt'; epoch: number }
  | { type: 'lrFind'; requestId?: string; options?: Partial<LrFindOptions> };

/** The commands the gate hands to the trainer: work done between two iterations that leaves the gate's state alone. */
export type WorkCommand = Exclude<TrainerCommand, { type: 'pause' | 'resume' | 'step' | 'stop' | 'pauseAt' }>;

/** What the trainer does when the gate takes a command or changes what the loop does. */
export interface GateHandlers {
  /** A command that is not the gate's own. */
  work(command: WorkCommand): void;
  /** A pause command was taken (the trainer checkpoints there). */
  onPause(): void;
  /** A resume command was taken. */
  onResume(): void;
  /** Asked before the loop goes on unpaused: true holds it (the gate pauses), e.g. a run folder that cannot be written. */
  hold(): boolean;
  /** The loop waits (paused, no step credits). */
  onWait(): void;
  /** The loop goes on unpaused. */
  onGo(): void;
}

/** How long the loop computes before it yields to the event loop (IPC, timers). */
export const YIELD_MS = 15;

/**
 * The training loop's mailbox. Commands (from IPC, the CLI or the loop itself) queue here and are
 * taken at the gate, between two iterations, or at once while the loop waits there. The gate owns
 * pause, resume, step, stop and pause-at-epoch; the rest it hands to the trainer.
 *
 * A command sent while the loop computes reaches the queue only when the event loop runs, so the
 * gate yields to it (setImmediate, microseconds) at a boundary once every YIELD_MS and takes what
 * arrived there: a pause is taken before the next iteration, at most YIELD_MS plus one iteration
 * after it was sent.
 */
export class Gate {
  private readonly queue: TrainerCommand[] = [];
  private wake: (() => void) | null = null;
  private pausedNow: boolean;
  /** Iterations a `step` allows while paused. */
  private credits = 0;
  private stopRequested = false;
  private stopReasonGiven: string | undefined;
  /** Pause on its own once this epoch is done (a search's ASHA rung); null: never. */
  private pauseAtEpoch: number | null;
  private lastYield = 0;

  constructor(options: { paused: boolean; pauseAt?: number }, private readonly handlers: GateHandlers) {
    this.pausedNow = options.paused;
    this.pauseAtEpoch = options.pauseAt ?? null;
  }

  get paused(): boolean {
    return this.pausedNow;
  }

  get stopped(): boolean {
    return this.stopRequested;
  }

  /** The reason the last stop command gave, if any. */
  get stopReason(): string | undefined {
    return this.stopReasonGiven;
  }

  /** Queues a command; it is taken at the next pass (at once if the loop waits). */
  send(command: TrainerCommand): void {
    this.queue.push(command);
    this.wake?.();
  }

  /**
   * The iteration boundary: takes queued commands and waits while paused without step credits.
   * Resolves false when the run must stop.
   */
  async pass(): Promise<boolean> {
    for (;;) {
      this.take();
      if (this.stopRequested) return false;
      if (!this.pausedNow && this.handlers.hold()) this.pause();
      if (!this.pausedNow || this.credits > 0) break;
      this.handlers.onWait();
      // A command sent from within onWait (a sink answering the 'paused' state at once) found no
      // waiter to wake: take it now rather than at the next send.
      if (this.queue.length > 0) continue;
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = null;
    }
    if (!this.pausedNow) this.handlers.onGo();
    if (Date.now() - this.lastYield >= YIELD_MS) {
      // Let IPC messages and timers (the sinks' flushes) in.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.lastYield = Date.now();
      this.take();
      if (this.stopRequested) return false;
      if (this.pausedNow && this.credits === 0) return this.pass();
    }
    return true;
  }

  /** An iteration was taken: it used one step credit, if it ran on one. */
  stepped(): void {
    if (this.credits > 0) this.credits--;
  }

  /** Pauses from inside the loop (a diverged step, a store that cannot be written); step credits lapse. */
  pause(): void {
    this.pausedNow = true;
    this.credits = 0;
  }

  /** An epoch ended (not the run's last): a pause-at-epoch reached queues its pause, taken before the next epoch's first batch. */
  epochEnded(epoch: number): void {
    if (this.pauseAtEpoch === null || epoch < this.pauseAtEpoch) return;
    this.pauseAtEpoch = null;
    this.queue.push({ type: 'pause' });
  }

  private take(): void {
    for (let c = this.queue.shift(); c !== undefined; c = this.queue.shift()) {
      switch (c.type) {
        case 'pause':
          this.pause();
          this.handlers.onPause();
          break;
        case 'resume':
          this.pausedNow = false;
          this.handlers.onResume();
          break;
        case 'step':
          this.pausedNow = true;
          this.credits += c.iterations;
          break;
        case 'stop':
          this.stopRequested = true;
          if (c.reason) this.stopReasonGiven = c.reason;
          break;
        case 'pauseAt':
          this.pauseAtEpoch = c.epoch;
          break;
        default:
          this.handlers.work(c);
      }
    }
  }
}
