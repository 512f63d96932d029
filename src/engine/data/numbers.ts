/**
 * Strict decimal literals only. `Number()` alone would accept '', ' ', '0x1f', '0b1' and '1_0'
 * silently, which in a data file are almost always mistakes.
 */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/** The value of a decimal literal, or undefined when `text` is not one. May overflow to ±Infinity. */
export function parseDecimal(text: string): number | undefined {
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/** NaN, Inf, -inf, Infinity, … in any case: numbers pandas/numpy write but training cannot use. */
export function isNonFiniteLiteral(text: string): boolean {
  return NON_FINITE.test(text);
}

/** Growable Float64Array (doubling), so large files never pass through number[]. */
export class Float64Builder {
  private data = new Float64Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  /** A right-sized copy. */
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}
