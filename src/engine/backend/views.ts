import type { FloatArray } from './backend';

/**
 * Views of the first n entries of a buffer, for the last two n asked for: a layer's buffers are
 * viewed at the training batch's rows and at the evaluation chunk's (a full-batch run alternates
 * 211 and 200 rows every epoch), and a subarray each time was most of a small run's garbage.
 */
export class PrefixViews<T extends FloatArray | Float64Array = FloatArray> {
  private last: T;
  private before: T;

  constructor(private readonly buffer: T) {
    this.last = buffer;
    this.before = buffer;
  }

  /** buffer.subarray(0, n), the same object while n is one of the last two asked for. */
  get(n: number): T {
    if (this.last.length === n) return this.last;
    const other = this.before;
    this.before = this.last;
    this.last = other.length === n ? other : (this.buffer.subarray(0, n) as T);
    return this.last;
  }
}
