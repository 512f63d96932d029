/**
 * A bounded, mergeable summary of a multi-column series that grows at its end (costs per
 * iteration, epoch summaries, layer statistics). It holds at most `capacity` buckets; each bucket
 * summarises consecutive points: their x range and count, and per column the count, sum, minimum
 * and maximum (with their x), the last value and the non-finite values seen. When a point would
 * open bucket `capacity + 1`, adjacent pairs merge and the bucket width doubles, so appending is
 * O(columns) amortised and the memory is fixed whatever the run length: a 10 M-iteration run and
 * a 1,000-iteration one cost the same to keep, post and draw.
 *
 * Every consumer (engine, search process, host, webview) folds the same chunks with the same
 * functions, so a snapshot plus later chunks equals what the sender holds. Storage is Float64Array
 * (NaN and ±Infinity survive structured clone and VS Code's webview messages as they are).
 *
 * Min–max per bucket is what a chart needs to keep every spike visible (min-max decimation); the
 * sum and count give each bucket's mean for smoothing (`debiasedEwaBuckets`).
 */

/** Numbers kept per bucket and column. */
const STATS = 9;
const N = 0; // finite values
const SUM = 1;
const MIN = 2;
const MIN_X = 3;
const MAX = 4;
const MAX_X = 5;
const LAST = 6; // last value (finite or not); NaN with LAST_X = NaN when the column had none
const BAD = 7; // non-finite values
const BAD_X = 8; // x of the first non-finite value (its kind is in `badValue`)

export interface Buckets {
  readonly columns: readonly string[];
  readonly capacity: number;
  /** Points per full bucket (a power of two); the last bucket may hold fewer. */
  width: number;
  /** Buckets in use. */
  size: number;
  /** Points folded in so far. */
  count: number;
  /** Per bucket: first x, last x, points. */
  x0: Float64Array;
  x1: Float64Array;
  points: Float64Array;
  /** Per bucket and column, STATS numbers at (b·columns + c)·STATS. */
  stats: Float64Array;
  /** Per bucket and column: the first non-finite value (NaN, +Inf or −Inf), NaN when none. */
  badValue: Float64Array;
}

/** Default capacities: a chart draws at most two points (min, max) per bucket. */
export const BUCKETS = { iterations: 1024, epochs: 1024, layers: 256 } as const;

export function createBuckets(columns: readonly string[], capacity: number): Buckets {
  if (!(Number.isInteger(capacity) && capacity >= 2 && capacity % 2 === 0)) throw new Error(`bucket capacity must be an even integer ≥ 2, not ${capacity}`);
  const k = columns.length;
  return {
    columns: [...columns], capacity, width: 1, size: 0, count: 0,
    x0: new Float64Array(capacity), x1: new Float64Array(capacity), points: new Float64Array(capacity),
    stats: new Float64Array(capacity * k * STATS), badValue: new Float64Array(capacity * k),
  };
}

function clearBucket(b: Buckets, i: number): void {
  const k = b.columns.length;
  b.x0[i] = 0;
  b.x1[i] = 0;
  b.points[i] = 0;
  for (let c = 0; c < k; c++) {
    const o = (i * k + c) * STATS;
    b.stats.fill(0, o, o + STATS);
    b.stats[o + MIN] = Number.NaN;
    b.stats[o + MAX] = Number.NaN;
    b.stats[o + LAST] = Number.NaN;
    b.stats[o + MIN_X] = Number.NaN;
    b.stats[o + MAX_X] = Number.NaN;
    b.stats[o + BAD_X] = Number.NaN;
    b.badValue[i * k + c] = Number.NaN;
  }
}

/** Folds bucket `j` of `src` (same columns) into bucket `i` of `dst`, which ends before it. */
function mergeInto(dst: Buckets, i: number, src: Buckets, j: number): void {
  const k = dst.columns.length;
  if (dst.points[i] === 0) dst.x0[i] = src.x0[j];
  dst.x1[i] = src.x1[j];
  dst.points[i] += src.points[j];
  for (let c = 0; c < k; c++) {
    const o = (i * k + c) * STATS;
    const p = (j * k + c) * STATS;
    const s = src.stats;
    const d = dst.stats;
    if (s[p + N] > 0) {
      if (d[o + N] === 0 || s[p + MIN] < d[o + MIN]) {
        d[o + MIN] = s[p + MIN];
        d[o + MIN_X] = s[p + MIN_X];
      }
      if (d[o + N] === 0 || s[p + MAX] > d[o + MAX]) {
        d[o + MAX] = s[p + MAX];
        d[o + MAX_X] = s[p + MAX_X];
      }
      d[o + N] += s[p + N];
      d[o + SUM] += s[p + SUM];
    }
    if (s[p + BAD] > 0) {
      if (d[o + BAD] === 0) {
        d[o + BAD_X] = s[p + BAD_X];
        dst.badValue[i * k + c] = src.badValue[j * k + c];
      }
      d[o + BAD] += s[p + BAD];
    }
    // LAST_X is implied by the order of points: a column's last value is the newest one it had.
    if (s[p + N] > 0 || s[p + BAD] > 0) d[o + LAST] = s[p + LAST];
  }
}

/** Halves the number of buckets by merging neighbours; the width doubles. */
function halve(b: Buckets): void {
  let w = 0;
  for (let i = 0; i < b.size; i += 2) {
    if (w !== i) copyBucket(b, w, b, i);
    if (i + 1 < b.size) mergeInto(b, w, b, i + 1);
    w++;
  }
  for (let i = w; i < b.size; i++) clearBucket(b, i);
  b.size = w;
  b.width *= 2;
}

function copyBucket(dst: Buckets, i: number, src: Buckets, j: number): void {
  const k = dst.columns.length;
  dst.x0[i] = src.x0[j];
  dst.x1[i] = src.x1[j];
  dst.points[i] = src.points[j];
  if (dst === src) {
    dst.stats.copyWithin(i * k * STATS, j * k * STATS, (j + 1) * k * STATS);
    dst.badValue.copyWithin(i * k, j * k, (j + 1) * k);
  } else {
    dst.stats.set(src.stats.subarray(j * k * STATS, (j + 1) * k * STATS), i * k * STATS);
    dst.badValue.set(src.badValue.subarray(j * k, (j + 1) * k), i * k);
  }
}

/** The bucket the next `points` points go into: the last one while it has room, else a new one. */
function tailFor(b: Buckets, points: number): number {
  if (b.size > 0 && b.points[b.size - 1] + points <= b.width) return b.size - 1;
  if (b.size === b.capacity) halve(b);
  if (b.size > 0 && b.points[b.size - 1] + points <= b.width) return b.size - 1;
  clearBucket(b, b.size);
  return b.size++;
}

/**
 * Appends one point: x (greater than every x so far) and one value per column (null = not
 * measured: the column skips this point, e.g. the dev error of a run without a dev set).
 */
export function appendPoint(b: Buckets, x: number, values: ArrayLike<number | null>): void {
  const k = b.columns.length;
  const i = tailFor(b, 1);
  if (b.points[i] === 0) b.x0[i] = x;
  b.x1[i] = x;
  b.points[i] += 1;
  b.count += 1;
  for (let c = 0; c < k; c++) {
    const y = values[c];
    if (y === null || y === undefined) continue;
    const o = (i * k + c) * STATS;
    const s = b.stats;
    if (Number.isFinite(y)) {
      if (s[o + N] === 0 || y < s[o + MIN]) {
        s[o + MIN] = y;
        s[o + MIN_X] = x;
      }
      if (s[o + N] === 0 || y > s[o + MAX]) {
        s[o + MAX] = y;
        s[o + MAX_X] = x;
      }
      s[o + N] += 1;
      s[o + SUM] += y;
    } else {
      if (s[o + BAD] === 0) {
        s[o + BAD_X] = x;
        b.badValue[i * k + c] = y;
      }
      s[o + BAD] += 1;
    }
    s[o + LAST] = y;
  }
}

/** Appends a run of single-column points x0, x0+1, … (the engine's per-iteration costs). */
export function appendValues(b: Buckets, x0: number, values: ArrayLike<number>): void {
  if (b.columns.length !== 1) throw new Error('appendValues needs a one-column series');
  const one = [0];
  for (let i = 0; i < values.length; i++) {
    one[0] = values[i];
    appendPoint(b, x0 + i, one);
  }
}

/** Appends every bucket of `chunk` (same columns, x after this series' last x). */
export function appendChunk(b: Buckets, chunk: Buckets): void {
  if (chunk.columns.length !== b.columns.length || chunk.columns.some((c, i) => c !== b.columns[i])) {
    throw new Error(`chunk columns [${chunk.columns.join(', ')}] ≠ series columns [${b.columns.join(', ')}]`);
  }
  // A chunk coarser than this series (many points held before the first message): this series
  // coarsens first, so every stretch of the run keeps the same resolution (no wide buckets
  // among narrow ones, which a chart would draw as a gap).
  while (b.width < chunk.width) halve(b);
  for (let j = 0; j < chunk.size; j++) {
    const i = tailFor(b, chunk.points[j]);
    mergeInto(b, i, chunk, j);
    b.count += chunk.points[j];
  }
}

/** A compact copy (arrays cut to the buckets in use): what a snapshot or a chunk posts. */
export function cloneBuckets(b: Buckets, capacity = b.capacity): Buckets {
  const k = b.columns.length;
  const out = createBuckets(b.columns, Math.max(capacity, b.size + (b.size % 2)));
  out.width = b.width;
  out.size = b.size;
  out.count = b.count;
  out.x0.set(b.x0.subarray(0, b.size));
  out.x1.set(b.x1.subarray(0, b.size));
  out.points.set(b.points.subarray(0, b.size));
  out.stats.set(b.stats.subarray(0, b.size * k * STATS));
  out.badValue.set(b.badValue.subarray(0, b.size * k));
  return out;
}

/** A received copy (structured clone, JSON) as a working series with room to grow to `capacity`. */
export function reviveBuckets(wire: Buckets, capacity = wire.capacity): Buckets {
  const b = createBuckets(wire.columns, Math.max(capacity, wire.size + (wire.size % 2)));
  const k = wire.columns.length;
  b.width = wire.width;
  b.size = wire.size;
  b.count = wire.count;
  b.x0.set(Array.from(wire.x0).slice(0, wire.size));
  b.x1.set(Array.from(wire.x1).slice(0, wire.size));
  b.points.set(Array.from(wire.points).slice(0, wire.size));
  b.stats.set(Array.from(wire.stats).slice(0, wire.size * k * STATS));
  b.badValue.set(Array.from(wire.badValue).slice(0, wire.size * k));
  return b;
}

/** A copy with at most `maxBuckets` buckets (neighbours merged): fewer points to draw, same extremes. */
export function coarsened(b: Buckets, maxBuckets: number): Buckets {
  if (b.size <= maxBuckets) return b;
  const out = cloneBuckets(b);
  while (out.size > Math.max(1, maxBuckets)) halve(out);
  return out;
}

/** Whether a value has the shape of Buckets (messages are untrusted input). */
export function isBuckets(x: unknown): x is Buckets {
  if (typeof x !== 'object' || x === null) return false;
  const b = x as Record<string, unknown>;
  const arr = (v: unknown): boolean => v instanceof Float64Array || Array.isArray(v);
  return Array.isArray(b.columns) && typeof b.size === 'number' && typeof b.width === 'number'
    && typeof b.count === 'number' && typeof b.capacity === 'number'
    && arr(b.x0) && arr(b.x1) && arr(b.points) && arr(b.stats) && arr(b.badValue);
}

// ───────────────────────── reading ─────────────────────────

export function columnIndex(b: Buckets, column: string): number {
  const c = b.columns.indexOf(column);
  if (c < 0) throw new Error(`no column "${column}" in [${b.columns.join(', ')}]`);
  return c;
}

/** One bucket of one column, as a reader sees it. */
export interface BucketStat {
  x0: number;
  x1: number;
  points: number;
  /** Finite values, their mean, extremes and where those were. */
  n: number;
  mean: number;
  min: number;
  minX: number;
  max: number;
  maxX: number;
  last: number;
  /** Non-finite values: how many, the first one's x and value. */
  bad: number;
  badX: number;
  badValue: number;
}

export function bucketStat(b: Buckets, i: number, c: number): BucketStat {
  const k = b.columns.length;
  const o = (i * k + c) * STATS;
  const s = b.stats;
  const n = s[o + N];
  return {
    x0: b.x0[i], x1: b.x1[i], points: b.points[i], n, mean: n > 0 ? s[o + SUM] / n : Number.NaN,
    min: s[o + MIN], minX: s[o + MIN_X], max: s[o + MAX], maxX: s[o + MAX_X], last: s[o + LAST],
    bad: s[o + BAD], badX: s[o + BAD_X], badValue: b.badValue[i * k + c],
  };
}

/** Whether column `c` has a value (finite or not) in bucket `i`. */
export function hasValues(b: Buckets, i: number, c: number): boolean {
  const o = (i * b.columns.length + c) * STATS;
  return b.stats[o + N] > 0 || b.stats[o + BAD] > 0;
}

/** The newest value of a column (null when it never had one) and its bucket's last x. */
export function lastValue(b: Buckets, c: number): { value: number; x: number } | null {
  for (let i = b.size - 1; i >= 0; i--) {
    if (hasValues(b, i, c)) return { value: b.stats[(i * b.columns.length + c) * STATS + LAST], x: b.x1[i] };
  }
  return null;
}

/** The newest finite value of a column, or null. */
export function lastFiniteValue(b: Buckets, c: number): number | null {
  for (let i = b.size - 1; i >= 0; i--) {
    const o = (i * b.columns.length + c) * STATS;
    if (Number.isFinite(b.stats[o + LAST])) return b.stats[o + LAST];
    if (b.stats[o + N] > 0) return b.stats[o + MAX_X] > b.stats[o + MIN_X] ? b.stats[o + MAX] : b.stats[o + MIN];
  }
  return null;
}

/** The last x folded in (0 when empty). */
export function lastX(b: Buckets): number {
  return b.size > 0 ? b.x1[b.size - 1] : 0;
}

/** Non-finite values of a column: how many in all. */
export function badCount(b: Buckets, c: number): number {
  let n = 0;
  for (let i = 0; i < b.size; i++) n += b.stats[(i * b.columns.length + c) * STATS + BAD];
  return n;
}

/**
 * Points to draw for a column: per bucket its minimum and maximum in x order (just the value when
 * the bucket holds one point), so every spike stays visible; non-finite values are returned apart
 * (first one per bucket) so charts mark them instead of dropping them.
 */
export function envelope(b: Buckets, c: number): { xs: number[]; ys: number[]; bad: { x: number; value: number }[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  const bad: { x: number; value: number }[] = [];
  for (let i = 0; i < b.size; i++) {
    const s = bucketStat(b, i, c);
    if (s.n > 0) {
      if (s.n === 1 || s.minX === s.maxX) {
        xs.push(s.minX);
        ys.push(s.min);
      } else if (s.minX < s.maxX) {
        xs.push(s.minX, s.maxX);
        ys.push(s.min, s.max);
      } else {
        xs.push(s.maxX, s.minX);
        ys.push(s.max, s.min);
      }
    }
    if (s.bad > 0) bad.push({ x: s.badX, value: s.badValue });
  }
  return { xs, ys, bad };
}

/** Per bucket: its last x and the column's mean (NaN where the column had no finite value). */
export function means(b: Buckets, c: number): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < b.size; i++) {
    const s = bucketStat(b, i, c);
    if (s.n === 0 && s.bad === 0) continue;
    xs.push(s.x1);
    ys.push(s.n > 0 ? s.mean : s.badValue);
  }
  return { xs, ys };
}

/**
 * TensorBoard's debiased EWA (`last = β·last + (1−β)·y; out = last / (1 − βⁿ)`) over the buckets:
 * a bucket of n finite values with mean m counts as n steps of value m, i.e.
 * `last = βⁿ·last + (1 − βⁿ)·m` and the debiasing power advances by n. Exact for width-1 buckets
 * (every point), and for wider ones exact whenever the values within a bucket are equal; always
 * within the bucket's [min, max] envelope of the exact curve's inputs. Non-finite values are not
 * folded in (as in `debiasedEwa`). One point per bucket, at its last x.
 */
export function debiasedEwaBuckets(b: Buckets, c: number, beta: number): { xs: number[]; ys: number[] } {
  const beta_ = Number.isFinite(beta) ? Math.min(Math.max(beta, 0), 0.999999) : 0;
  const xs: number[] = [];
  const ys: number[] = [];
  let last = 0;
  let betaPow = 1;
  for (let i = 0; i < b.size; i++) {
    const s = bucketStat(b, i, c);
    if (s.n === 0) continue;
    const bn = Math.pow(beta_, s.n);
    last = bn * last + (1 - bn) * s.mean;
    betaPow *= bn;
    xs.push(s.x1);
    ys.push(betaPow < 1 ? last / (1 - betaPow) : s.mean);
  }
  return { xs, ys };
}
