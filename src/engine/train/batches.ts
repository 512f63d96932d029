import type { Backend, FloatArray } from '../backend/backend';
import type { Dataset } from '../data/dataset';
import { decodeRow, isCoded, type CodedFeatures } from '../data/features';

/** A batch in backend memory: x (rows × features) and its targets. */
export interface Batch {
  x: FloatArray;
  y: Float64Array;
  rows: number;
}

/** Coded features (IDX pixels): the codes stay on the host, rows are decoded into the batch buffers. */
interface CodedSource {
  x: CodedFeatures;
  /** The data set's table in the backend's dtype (each float64 entry rounded once, as a dense copy would be). */
  table: Float32Array | Float64Array;
  /** range()'s own buffer, so a range batch survives a gather and the other way round. */
  rangeX: FloatArray;
}

/**
 * Copies rows of a data set into a reusable batch buffer. Float64 features are copied once into the
 * backend's memory in its dtype, so a batch is a row gather there (≈ 50 µs for 128×784 in WASM,
 * against ≈ 300 µs converting float64 rows per batch) and an evaluation range is a view. Coded
 * features (one byte a value) are decoded per batch instead, through a 256-entry table a feature:
 * a copy of 60,000 MNIST rows in float32 would be 4× the bytes of the file.
 */
export class BatchGatherer {
  private readonly source: FloatArray | null;
  private readonly coded: CodedSource | null;
  private readonly x: FloatArray;
  private readonly y: Float64Array;

  constructor(private readonly backend: Backend, private readonly data: Dataset, readonly capacity: number) {
    const x = data.x;
    if (isCoded(x)) {
      this.source = null;
      this.coded = {
        x, table: backend.dtype === 'float64' ? x.table : Float32Array.from(x.table),
        rangeX: backend.alloc(capacity * data.features),
      };
    } else {
      this.source = backend.alloc(data.count * data.features);
      this.source.set(x.subarray(0, data.count * data.features));
      this.coded = null;
    }
    this.x = backend.alloc(capacity * data.features);
    this.y = new Float64Array(capacity * data.targets);
  }

  /** Rows `indices[start … start+rows)` of the data set. */
  gather(indices: ArrayLike<number>, start: number, rows: number): Batch {
    const { features, targets } = this.data;
    const x = this.x.subarray(0, rows * features);
    const y = this.y.subarray(0, rows * targets);
    if (this.coded) {
      for (let r = 0; r < rows; r++) decodeRow(this.coded.x, indices[start + r], features, x, r * features, this.coded.table);
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
    const { features, targets } = this.data;
    const y = this.data.y.subarray(start * targets, (start + rows) * targets);
    if (this.coded) {
      if (rows > this.capacity) throw new RangeError(`BatchGatherer.range: ${rows} rows, the buffer holds ${this.capacity}`);
      const x = this.coded.rangeX.subarray(0, rows * features);
      for (let r = 0; r < rows; r++) decodeRow(this.coded.x, start + r, features, x, r * features, this.coded.table);
      return { x, y, rows };
    }
    return { x: this.source!.subarray(start * features, (start + rows) * features), y, rows };
  }
}
