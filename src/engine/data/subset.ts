import type { Dataset } from './dataset';

/** The rows at `indices`, in that order, copied (the result shares no buffers with `ds`). */
export function subset(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  const m = indices.length;
  const n = ds.features;
  const t = ds.targets;
  const x = new Float64Array(m * n);
  const y = new Float64Array(m * t);
  for (let i = 0; i < m; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= ds.count) {
      throw new RangeError(`subset of ${ds.name}: row ${r} is outside 0..${ds.count - 1}`);
    }
    x.set(ds.x.subarray(r * n, (r + 1) * n), i * n);
    y.set(ds.y.subarray(r * t, (r + 1) * t), i * t);
  }
  return {
    ...ds,
    name,
    count: m,
    x,
    y,
    classes: [...ds.classes],
    ...(ds.featureNames ? { featureNames: [...ds.featureNames] } : {}),
    ...(ds.imageShape ? { imageShape: [ds.imageShape[0], ds.imageShape[1]] } : {}),
  };
}
