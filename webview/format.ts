/** Pure formatting/parsing helpers of the webview (no DOM, no Chart.js: unit-tested in node). */

/** An error-rate axis tick: 0%, 2.5%, 10% (no padded zeros). */
export function percentTick(value: number): string {
  return `${Number((value * 100).toFixed(2))}%`;
}

/** Parses the learning-rate box: a positive finite number (1e-3, 0.001, .001 …), else null. */
export function parseLearningRate(text: string): number | null {
  const t = text.trim();
  if (!/^[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) && v > 0 ? v : null;
}

/**
 * Log-axis tick labels: powers of ten (0.001 … 1000 written out, 1e-4 beyond), plus 2·10ⁿ and 5·10ⁿ
 * when the axis spans two decades or less, so short ranges still get labels.
 */
export function logTicks(value: number | string, span = 10): string {
  const v = Number(value);
  if (!(v > 0)) return '';
  const e = Math.floor(Math.log10(v) + 1e-9);
  const mant = v / 10 ** e;
  const isPow = Math.abs(mant - 1) < 1e-6;
  const isMinor = span <= 2 && (Math.abs(mant - 2) < 1e-6 || Math.abs(mant - 5) < 1e-6);
  if (!isPow && !isMinor) return '';
  const m = Math.round(mant);
  return e >= -3 && e <= 3 ? String(Number((m * 10 ** e).toPrecision(3))) : `${m}e${e}`;
}
