/**
 * Cost readouts people can read (header, status bar, Runs tree): a converged run's 2.315e-56 is
 * "≈ 0", the rest has four significant digits, and the exact value goes in the tooltip. One
 * formatter for the webview and the host, so the header and the tree never disagree.
 */
import { formatNumber } from './series';

/**
 * Below this a cost is zero for every purpose a reader has: float32 training cannot tell it from
 * 0 (its machine ε is 1.2e-7), and the curve's log axis already shows how far below it went.
 */
export const COST_FLOOR = 1e-6;

export interface Readout {
  /** What to show: "0.2315", "4.20e-5", "≈ 0", "NaN", "+∞", "—". */
  text: string;
  /** The exact value, for a tooltip ("2.315e-56"), or "" when there is none. */
  raw: string;
}

export function costReadout(x: number | null | undefined, digits = 4, floor = COST_FLOOR): Readout {
  if (x === null || x === undefined) return { text: formatNumber(x), raw: '' };
  const raw = Number.isFinite(x) ? String(x) : formatNumber(x);
  if (x !== 0 && Number.isFinite(x) && Math.abs(x) < floor) return { text: '≈ 0', raw };
  // Trailing zeros of an exponent's mantissa say nothing: 4.200e-5 → 4.2e-5.
  return { text: formatNumber(x, digits).replace(/\.?0+e/, 'e'), raw };
}

/** A percentage typed by a person ("3.5", "3.5 %", "0") as a fraction, or null unless 0 ≤ p ≤ 100. */
export function parsePercent(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*%?\s*$/.exec(text);
  if (!m) return null;
  const p = Number(m[1]);
  return p >= 0 && p <= 100 ? p / 100 : null;
}

/** "cost ≈ 0 (exactly 2.315e-56)": the tooltip line. */
export function costTooltip(label: string, r: Readout): string {
  if (!r.raw) return `${label}: ${r.text}`;
  return r.text === r.raw ? `${label}: ${r.raw}` : `${label}: ${r.text} (exactly ${r.raw})`;
}
