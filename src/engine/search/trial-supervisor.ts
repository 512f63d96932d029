/**
 * One attempt of one trial: its engine process, why the search asked it to end, and what it said
 * that decides how it ended. The search (runner.ts) keeps the trial's record; this keeps the
 * process-side facts and turns them into the trial's outcome when the process exits.
 */
import type { EngineEvent, RunSummary } from '../../shared/protocol';
import type { TrialState } from '../../shared/search-protocol';
import type { TrialExit, TrialHandle } from './launcher';

/**
 * Why the search asked the engine to stop. At most one stands: a later request replaces it only
 * when it outranks it (`END_RANK`), so a trial killed while it was being pruned ends killed.
 */
export type TrialEnd =
  /** The search stops: the trial is interrupted (resume continues it). */
  | { kind: 'stop'; reason: string }
  /** NaN/Inf: it is stopped and kept, finished, with its curve so far. */
  | { kind: 'diverged'; reason: string }
  /** ASHA/Hyperband: it waits at a rung without a process (the trial stays `paused`). */
  | { kind: 'rungPause'; reason: string }
  /** The policy pruned it. */
  | { kind: 'prune'; reason: string }
  /** The user killed it. */
  | { kind: 'kill'; reason: string };

const END_RANK: Record<TrialEnd['kind'], number> = { stop: 0, diverged: 1, rungPause: 2, prune: 3, kill: 4 };

/** What became of the trial when its engine exited. */
export type TrialOutcome =
  | { kind: 'ended'; state: TrialState; error?: string }
  /** Stopped at its rung (or promoted while its engine stopped: the search queues it again). */
  | { kind: 'atRung' }
  /** Its checkpoint could not be used: it starts again from scratch. */
  | { kind: 'restart'; reason: string };

export type TrialCommand = Parameters<TrialHandle['send']>[0];

export class TrialSupervisor {
  end: TrialEnd | null = null;
  private summary: RunSummary | null = null;
  private fatalError: string | null = null;
  private sawRunInfo = false;
  /** ASHA/Hyperband: the rung epoch at which the engine pauses on its own (`pauseAt`), null: none ahead. */
  private pauseAt: number | null;
  /** The engine paused itself at a rung: its `paused` is the search's, not the user's. */
  private autoPaused = false;
  private killTimer: NodeJS.Timeout | null = null;

  /**
   * `resumed`: started from a checkpoint (an exit before its run info means the checkpoint is
   * unusable); `firstRung`: the rung the start command already carries.
   */
  constructor(readonly handle: TrialHandle, readonly resumed: boolean, firstRung: number | null, private readonly stopGraceMs: number) {
    this.pauseAt = firstRung;
  }

  /** The launcher holds commands until the engine said hello: it takes every command from then on. */
  send(command: TrialCommand): void {
    this.handle.send(command);
  }

  /** Asks the engine to stop (checkpoint + summary), killing it after the grace time; records why. */
  requestEnd(end: TrialEnd): void {
    if (!this.end || END_RANK[end.kind] > END_RANK[this.end.kind]) this.end = end;
    this.send({ type: 'stop' });
    this.killTimer ??= setTimeout(() => this.handle.kill(), this.stopGraceMs);
  }

  /** Notes the events that decide the outcome: the run info, the summary, a fatal error. */
  observe(e: EngineEvent): void {
    if (e.type === 'runInfo') this.sawRunInfo = true;
    else if (e.type === 'summary') this.summary = e.summary;
    else if (e.type === 'error' && e.fatal) this.fatalError = e.error.message;
  }

  /** The summary the engine sent before exiting (null: none). */
  finalSummary(): RunSummary | null {
    return this.summary;
  }

  /** The trial reached `epoch`: if that is its rung, the engine pauses itself now. */
  reached(epoch: number): void {
    if (this.pauseAt !== null && epoch >= this.pauseAt) {
      this.pauseAt = null;
      this.autoPaused = true;
    }
  }

  /** Whether the engine's `paused` is its own pause at a rung (taken: the next one is the user's). */
  takeRungPause(): boolean {
    const was = this.autoPaused;
    this.autoPaused = false;
    return was;
  }

  /** Whether the engine is pausing itself at a rung the policy let it pass. */
  pausingAtRung(): boolean {
    return this.autoPaused;
  }

  /** Past its rung and kept going: pause at the next rung (null: none ahead), resume now. */
  passRung(next: number | null): void {
    this.pauseAt = next;
    if (next !== null) this.send({ type: 'pauseAt', epoch: next });
    this.send({ type: 'resume' });
  }

  /** The engine exited: how the trial ended, from why it was asked to end, its summary and its exit; `stopping`: the whole search stops. */
  exited(exit: TrialExit, stopping: boolean): TrialOutcome {
    if (this.killTimer) clearTimeout(this.killTimer);
    const s = this.summary;
    switch (this.end?.kind) {
      case 'kill': return { kind: 'ended', state: 'killed' };
      case 'prune': return { kind: 'ended', state: 'pruned' };
      case 'rungPause': return { kind: 'atRung' };
      default: break;
    }
    if (s && s.state === 'finished') return { kind: 'ended', state: 'finished' };
    if (s) return { kind: 'ended', state: this.end?.kind === 'diverged' ? 'finished' : 'stopped' };
    // Asked to stop and gone without a summary (killed after the grace time, or a console Ctrl-C
    // that reached it): still an interrupted trial, which resume picks up from its last checkpoint.
    if (stopping || this.end?.kind === 'stop') return { kind: 'ended', state: 'stopped' };
    if (this.resumed && !this.sawRunInfo) return { kind: 'restart', reason: this.fatalError ?? 'engine exited' };
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const error = this.fatalError ?? (exit.stderr ? `the engine ${how}: ${exit.stderr.split('\n').slice(-5).join('\n')}` : `the engine ${how}`);
    return { kind: 'ended', state: 'failed', error };
  }
}
