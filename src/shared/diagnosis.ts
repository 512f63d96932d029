/**
 * What "Diagnose" and the learning-rate range test report: engine → host (IPC), CLI `--json`, and
 * the report-card webview. The messages that carry them are in ./protocol.
 */

/** The range test's knobs. */
export interface LrFindOptions {
  /** First learning rate of the exponential sweep. */
  start: number;
  /** Last learning rate of the sweep. */
  end: number;
  /** Iterations (one learning rate each). */
  steps: number;
  /** β of the debiased exponentially weighted average of the loss. */
  beta: number;
  /** The sweep stops once the smoothed loss exceeds this multiple of its best value. */
  divergeFactor: number;
}

export const LR_FIND_DEFAULTS: LrFindOptions = { start: 1e-7, end: 10, steps: 100, beta: 0.98, divergeFactor: 4 };

/** One point of the sweep: its index, learning rate and smoothed loss. */
export interface LrPoint {
  index: number;
  lr: number;
  loss: number;
}

export interface LrFindResult {
  /** 'initial': from the file's initial weights; 'current': a live run's weights at `iteration`. */
  from: 'initial' | 'current';
  iteration: number;
  options: LrFindOptions;
  optimizer: string;
  batchSize: number;
  /** The learning rate the file (or the live run) uses now, for comparison. */
  currentLr: number;
  /** Per sweep iteration: the learning rate, the mini-batch loss, the debiased EWA of the losses. */
  lrs: number[];
  losses: number[];
  smoothed: number[];
  /** 'diverged': smoothed loss > divergeFactor × best; 'nonFinite': NaN/Inf; 'end': every step ran. */
  stop: 'diverged' | 'nonFinite' | 'end';
  /** Points before this index are the burn-in (the EWA is still settling): never suggested. */
  burnIn: number;
  /** The longest descending stretch of the smoothed curve (first and last point). */
  valley: { first: LrPoint; last: LrPoint } | null;
  /**
   * The suggested learning rate. 'steepest': the steepest descent against log₁₀ LR inside the
   * valley. 'beforeRise': no descent (weights already near a minimum, as mid-run), so a tenth of
   * the rate where the loss starts rising.
   */
  suggestion: (LrPoint & { slope: number; rule: 'steepest' | 'beforeRise' }) | null;
  /** The lowest smoothed loss (a learning rate near it is usually too high to train with). */
  minimum: LrPoint | null;
  /** Why there is no suggestion, or how it was chosen. */
  note: string;
  seconds: number;
}

/** A change to the experiment file: the value to write at a JSON pointer (created if missing). */
export interface ConfigEdit {
  pointer: string;
  value: number | string | boolean;
}

/** A one-click remedy: a label for the button and the edits it makes. */
export interface ConfigFix {
  label: string;
  edits: ConfigEdit[];
}

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export type DiagnoseCheckId = 'initialLoss' | 'overfitTiny' | 'inputIndependent' | 'regularization' | 'gradientCheck'
  | 'updateRatio' | 'deadUnits' | 'lrRange';

export const DIAGNOSE_CHECKS: readonly DiagnoseCheckId[] = [
  'initialLoss', 'overfitTiny', 'inputIndependent', 'regularization', 'gradientCheck', 'updateRatio', 'deadUnits', 'lrRange',
];

export interface DiagnoseCheck {
  id: DiagnoseCheckId;
  title: string;
  status: CheckStatus;
  /** What was measured, in words with numbers ("initial loss 0.71 vs ln 2 = 0.693"). */
  measured: string;
  /** The pass/warn/fail rule ("pass within ×1.5 of the expected value"). */
  threshold: string;
  /** What the result means and what to do (empty when it passed and there is nothing to do). */
  remedy: string;
  fix?: ConfigFix;
  /** The key numbers, for machines (CLI --json, tests). */
  values: Record<string, number | null>;
  seconds: number;
}

export interface DiagnoseReport {
  name: string;
  configPath?: string;
  task: 'binary' | 'multiclass' | 'regression';
  /** 'fail' if any check failed, else 'warn' if any warned, else 'pass'. */
  status: Exclude<CheckStatus, 'skip'>;
  checks: DiagnoseCheck[];
  /** The range test's curve, when that check ran. */
  lrFind: LrFindResult | null;
  seconds: number;
}

/** A suggested learning rate rounded to two significant digits, as it is written into the file. */
export function roundedRate(lr: number): number {
  return Number(lr.toPrecision(2));
}

/** The worst status of a set of checks (skipped ones do not count). */
export function overallStatus(checks: readonly { status: CheckStatus }[]): DiagnoseReport['status'] {
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  if (checks.some((c) => c.status === 'warn')) return 'warn';
  return 'pass';
}
