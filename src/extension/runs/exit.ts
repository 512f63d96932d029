/** What an engine process's exit means for its run. Pure: the run manager feeds it the facts. */
import type { RunState, RunSummary } from '../../shared/protocol';

export interface ExitFacts {
  code: number | null;
  signal: string | null;
  /** The summary event, when the engine sent one (it does on finish, stop and divergence). */
  summary: RunSummary | null;
  /** The host asked it to stop (command, window closing). */
  stopRequested: boolean;
  /** The host killed it because it did not exit in time after `stop`. */
  killedAfterTimeout: boolean;
  /** The extension is shutting down (window closed / reload / deactivate). */
  disposing: boolean;
  /** Message of the last fatal `error` event, if any. */
  fatalError?: string;
  /** Last lines the engine wrote to stderr (an uncaught exception ends up there). */
  stderrTail?: string;
}

export interface ExitOutcome {
  state: RunState;
  reason?: string;
  /** True when the run ended abnormally and "Resume From Checkpoint" should be offered. */
  crashed: boolean;
}

const TERMINAL: ReadonlySet<RunState> = new Set<RunState>(['finished', 'stopped', 'diverged', 'crashed']);

export function classifyExit(f: ExitFacts): ExitOutcome {
  if (f.summary && f.code === 0 && !f.signal) {
    const state = TERMINAL.has(f.summary.state) ? f.summary.state : 'finished';
    return { state, reason: f.summary.reason, crashed: state === 'crashed' };
  }
  if (f.killedAfterTimeout) {
    return {
      state: 'stopped',
      reason: 'The engine did not exit in time after Stop and was killed; the last checkpoint is kept.',
      crashed: false,
    };
  }
  if (f.disposing && (f.signal || f.stopRequested)) {
    return { state: 'stopped', reason: 'Stopped because the window closed.', crashed: false };
  }
  const detail = f.fatalError ?? lastLine(f.stderrTail);
  const suffix = detail ? `: ${detail}` : '';
  if (f.signal) {
    return { state: 'crashed', reason: `Engine killed by ${f.signal}${suffix}`, crashed: true };
  }
  if (f.code !== 0 && f.code !== null) {
    return { state: 'crashed', reason: `Engine exited with code ${f.code}${suffix}`, crashed: true };
  }
  if (f.stopRequested) {
    // Exit 0 after stop but no summary: treat as stopped (checkpoint on stop happens before exit).
    return { state: 'stopped', reason: f.summary ? undefined : 'Stopped (the engine sent no summary).', crashed: false };
  }
  return { state: 'crashed', reason: `Engine exited without a summary${suffix}`, crashed: true };
}

function lastLine(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  // Prefer the error line of a stack trace over its last "at …" frame.
  const err = [...lines].reverse().find((l) => /^(\w*Error|Error)\b|^Uncaught/.test(l));
  return err ?? lines[lines.length - 1];
}
