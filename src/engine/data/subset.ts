import type { Dataset } from './dataset';
import { isCoded, type Features } from './features';

/**
 * The rows at `indices`, in that order. Float64 features and the labels are copied (the result
 * shares no float buffers with `ds`); coded features share the read-only codes and table and keep an
 * index list instead (a split of 60,000 MNIST rows copies 4 bytes a row, not 784).
 */
export function subset<X extends Features>(ds: Dataset<X>, indices: ArrayLike<number>, name = ds.name): Dataset<X> {
  const m = indices.length;
  const n = ds.features;
  const t = ds.targets;
  const source: Features = ds.x;
  const coded = isCoded(source) ? source : null;
  const x = coded ? null : new Float64Array(m * n);
  const rows = coded ? new Int32Array(m) : null;
  const y = new Float64Array(m * t);
  for (let i = 0; i < m; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= ds.count) {
      throw new RangeError(`subset of ${ds.name}: row ${r} is outside 0..${ds.count - 1}`);
    }
    if (coded) rows![i] = coded.rows ? coded.rows[r] : r;
    else x!.set((source as Float64Array).subarray(r * n, (r + 1) * n), i * n);
    y.set(ds.y.subarray(r * t, (r + 1) * t), i * t);
  }
  // The casts restate X: a coded source gives coded features, a float64 source float64.
  const features = (coded ? { codes: coded.codes, table: coded.table, rows: rows! } : x) as X;
  return {
    ...ds,
    name,
    count: m,
    x: features,
    y,
    classes: [...ds.classes],
    ...(ds.featureNames ? { featureNames: [...ds.featureNames] } : {}),
    ...(ds.imageShape ? { imageShape: [ds.imageShape[0], ds.imageShape[1]] } : {}),
  };
}
