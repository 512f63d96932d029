/** What every Diagnose check gets, and what it returns. */
import type { DiagnoseCheck, LrFindOptions } from '../../../shared/diagnosis';
import type { RunSetup } from '../../train/setup';

export interface CheckContext {
  /** The experiment as a run would start it (data prepared, network at its initial weights). */
  setup: RunSetup;
  lrFind: Partial<LrFindOptions>;
  /** Work several checks share (the few-steps probe), computed once by whoever needs it first. */
  memo<T>(key: string, make: () => T): T;
}

export type CheckOutcome = Omit<DiagnoseCheck, 'id' | 'title' | 'seconds'>;

export interface Check {
  id: DiagnoseCheck['id'];
  title: string;
  run(ctx: CheckContext): CheckOutcome;
}

/** Numbers in messages: 3 significant digits (exponent when tiny or huge). */
export { formatNumber as fmt } from '../../../shared/series';

export function pct(x: number): string {
  return `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)} %`;
}
