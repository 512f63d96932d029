/** A number in a run's messages: 4 significant digits; NaN and ±Infinity as words. */
export function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}
