import type { Backend, FloatArray } from '../backend/backend';
import type { Dataset } from '../data/dataset';

/** A batch in backend memory: x (rows × features) and its targets. */
export interface Batch {
  x: FloatArray;
  y: Float64Array;
  rows: number;
}

/**
 * Copies rows of a data set into a reusable backend buffer. The data stays in float64 JS memory;
 * a batch costs one copy of rows×features numbers, small next to the batch's matrix products.
 */
export class BatchGatherer {
  private readonly x: FloatArray;
  private readonly y: Float64Array;

  constructor(backend: Backend, private readonly data: Dataset, readonly capacity: number) {
    this.x = backend.alloc(capacity * data.features);
    this.y = new Float64Array(capacity * data.targets);
  }

  /** Rows `indices[start … start+rows)` of the data set. */
  gather(indices: ArrayLike<number>, start: number, rows: number): Batch {
    const { features, targets } = this.data;
    const x = this.x.subarray(0, rows * features);
    const y = this.y.subarray(0, rows * targets);
    for (let r = 0; r < rows; r++) {
      const i = indices[start + r];
      x.set(this.data.x.subarray(i * features, (i + 1) * features), r * features);
      for (let t = 0; t < targets; t++) y[r * targets + t] = this.data.y[i * targets + t];
    }
    return { x, y, rows };
  }

  /** Consecutive rows [start, start+rows) in stored order (evaluation). */
  range(start: number, rows: number): Batch {
    const { features, targets } = this.data;
    const x = this.x.subarray(0, rows * features);
    x.set(this.data.x.subarray(start * features, (start + rows) * features));
    const y = this.y.subarray(0, rows * targets);
    y.set(this.data.y.subarray(start * targets, (start + rows) * targets));
    return { x, y, rows };
  }
}
