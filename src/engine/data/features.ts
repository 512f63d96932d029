/**
 * A data set's m×n row-major features: float64 values, or one byte a value and a table of what each
 * byte means (IDX pixels: 8× smaller than float64, and splits and z-scoring share the bytes).
 */
export type Features = Float64Array | CodedFeatures;

/**
 * value(i, j) = table[j·256 + codes[row(i)·n + j]], row(i) = rows ? rows[i] : i. The codes are
 * read-only and shared by every subset and normalised copy; a subset is an index list (`rows`),
 * z-scoring rewrites the 256·n table (exactly the float64 arithmetic a dense copy would do per value).
 */
export interface CodedFeatures {
  readonly codes: Uint8Array;
  /** 256 entries per feature: the value of code c in feature j is table[j·256 + c]. */
  readonly table: Float64Array;
  /** Row i of the data set is row rows[i] of `codes`; absent: row i. */
  readonly rows?: Int32Array;
}

export const CODES = 256;

export function isCoded(x: Features): x is CodedFeatures {
  return !(x instanceof Float64Array);
}

/** The table for codes that mean the same in every feature: value(c) for c = 0…255. */
export function uniformTable(features: number, value: (code: number) => number): Float64Array {
  const table = new Float64Array(CODES * features);
  for (let c = 0; c < CODES; c++) table[c] = value(c);
  for (let j = 1; j < features; j++) table.copyWithin(j * CODES, 0, CODES);
  return table;
}

/** Where row i's codes start in `codes`. */
export function codedRowStart(x: CodedFeatures, i: number, features: number): number {
  return (x.rows ? x.rows[i] : i) * features;
}

/** Row i's float64 values into out[at … at+n). */
export function decodeRow(x: CodedFeatures, i: number, features: number, out: Float64Array, at: number): void {
  const s = codedRowStart(x, i, features);
  const { codes, table } = x;
  for (let j = 0; j < features; j++) out[at + j] = table[j * CODES + codes[s + j]];
}

/** Dense float64 values of count rows (for small data and checks; a coded MNIST would be 8× its bytes). */
export function denseFeatures(x: Features, count: number, features: number): Float64Array {
  if (!isCoded(x)) return x;
  const out = new Float64Array(count * features);
  for (let i = 0; i < count; i++) decodeRow(x, i, features, out, i * features);
  return out;
}
