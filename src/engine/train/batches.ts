import type { Backend, FloatArray } from '../backend/backend';
import type { Dataset } from '../data/dataset';
import { isCoded } from '../data/features';
import { PrefixViews } from '../backend/views';

/** A batch in backend memory: x (rows × features) and its targets. */
export interface Batch {
  x: FloatArray;
  y: Float64Array;
  rows: number;
}

/** Coded features (IDX pixels): codes the backend reads, the table in its memory. */
interface CodedSource {
  /** The data set's own codes when the backend reads them in place (a loader put them there), else a copy of its rows. */
  codes: Uint8Array;
  /** Data set row i is row map[i] of `codes`. */
  map: Int32Array;
  /** map[indices[start + r]] for a gather. */
  mapped: Int32Array;
  /** 256 values a feature in the backend's dtype (each float64 entry rounded once, as a dense copy would be). */
  table: FloatArray;
  /** range()'s own buffer, so a range batch survives a gather and the other way round. */
  rangeX: FloatArray;
}

/** The largest float copy of a coded training set decoded once (60,000 MNIST rows as float32 are 180 MiB and stay bytes). */
export const DECODE_ONCE_BYTES = 64 * 2 ** 20;

/** Whether a gatherer asked to decode `data` once does (its float copy fits DECODE_ONCE_BYTES). */
export function decodesOnce(data: Dataset, backend: Backend): boolean {
  return isCoded(data.x) && data.count * data.features * (backend.dtype === 'float32' ? 4 : 8) <= DECODE_ONCE_BYTES;
}

/**
 * Copies rows of a data set into a reusable batch buffer. Float64 features are copied once into the
 * backend's memory in its dtype, so a batch is a row gather there (≈ 50 µs for 128×784 in WASM,
 * against ≈ 300 µs converting float64 rows per batch) and an evaluation range is a view. Coded
 * features (one byte a value) stay bytes and are decoded per batch by the backend's gatherCoded
 * through a 256-entry table a feature, in place when the loader put them in backend memory (the
 * run's setup does), else from a copy of this set's rows there: 60,000 MNIST rows are 45 MiB, where
 * a float32 copy took 180 MiB (and the float64 data set before it 359 MiB).
 */
export class BatchGatherer {
  private readonly source: FloatArray | null;
  private readonly coded: CodedSource | null;
  private readonly x: FloatArray;
  private readonly y: Float64Array;
  private readonly xViews: PrefixViews;
  private readonly yViews: PrefixViews<Float64Array>;
  /** The last range() of stored rows (evaluation asks for the same chunks every epoch). */
  private lastRange: Batch & { start: number } | null = null;

  /**
   * `decodeOnce`: coded rows whose float copy fits DECODE_ONCE_BYTES are decoded into backend memory
   * once, here, and gathered as float rows after (the training set's gatherer: it decodes every
   * batch of every epoch, ≈ 140–300 µs a 128×784 batch, 10 % of a W1 epoch). The values are the
   * ones the per-batch decode gives (the same kernel), so a run is bit for bit the same either way.
   */
  constructor(private readonly backend: Backend, private readonly data: Dataset, readonly capacity: number,
    options: { decodeOnce?: boolean } = {}) {
    const x = data.x;
    if (isCoded(x)) {
      const n = data.features;
      let codes = x.codes;
      let map = x.rows ?? Int32Array.from({ length: data.count }, (_, i) => i);
      if (!backend.readsInPlace(codes)) {
        codes = backend.allocCodes(data.count * n);
        for (let i = 0; i < data.count; i++) codes.set(x.codes.subarray(map[i] * n, (map[i] + 1) * n), i * n);
        map = Int32Array.from({ length: data.count }, (_, i) => i);
      }
      const table = backend.alloc(x.table.length);
      table.set(x.table);
      if (options.decodeOnce && decodesOnce(data, backend)) {
        this.source = backend.alloc(data.count * n);
        backend.gatherCoded(codes, n, table, map, 0, data.count, this.source);
        this.coded = null;
      } else {
        this.source = null;
        this.coded = { codes, map, mapped: new Int32Array(capacity), table, rangeX: backend.alloc(capacity * n) };
      }
    } else {
      this.source = backend.alloc(data.count * data.features);
      this.source.set(x.subarray(0, data.count * data.features));
      this.coded = null;
    }
    this.x = backend.alloc(capacity * data.features);
    this.y = new Float64Array(capacity * data.targets);
    this.xViews = new PrefixViews(this.x);
    this.yViews = new PrefixViews(this.y);
  }

  /** Rows `indices[start … start+rows)` of the data set. */
  gather(indices: ArrayLike<number>, start: number, rows: number): Batch {
    const { features, targets } = this.data;
    const x = this.xViews.get(rows * features);
    const y = this.yViews.get(rows * targets);
    if (this.coded) {
      const { codes, map, mapped, table } = this.coded;
      for (let r = 0; r < rows; r++) {
        const i = indices[start + r];
        if (!(i >= 0 && i < map.length)) throw new RangeError(`BatchGatherer.gather: row ${i} outside 0..${map.length - 1}`);
        mapped[r] = map[i];
      }
      this.backend.gatherCoded(codes, features, table, mapped, 0, rows, x);
    } else {
      this.backend.gatherRows(this.source!, features, indices, start, rows, x);
    }
    for (let r = 0; r < rows; r++) {
      const i = indices[start + r];
      for (let t = 0; t < targets; t++) y[r * targets + t] = this.data.y[i * targets + t];
    }
    return { x, y, rows };
  }

  /**
   * Consecutive rows [start, start+rows) in stored order (evaluation): views of the stored rows,
   * no copy (an evaluation pass reads them only; copying 211 rows cost ≈ 10 µs per pass of a course
   * run). Coded rows are decoded into a buffer of `capacity` rows that the next range() reuses.
   */
  range(start: number, rows: number): Batch {
    const last = this.lastRange;
    if (last !== null && last.start === start && last.rows === rows) return last;
    const { features, targets } = this.data;
    const y = this.data.y.subarray(start * targets, (start + rows) * targets);
    if (this.coded) {
      if (rows > this.capacity) throw new RangeError(`BatchGatherer.range: ${rows} rows, the buffer holds ${this.capacity}`);
      const { codes, map, table, rangeX } = this.coded;
      const x = rangeX.subarray(0, rows * features);
      this.backend.gatherCoded(codes, features, table, map, start, rows, x);
      return { x, y, rows };
    }
    this.lastRange = { x: this.source!.subarray(start * features, (start + rows) * features), y, rows, start };
    return this.lastRange;
  }
}
