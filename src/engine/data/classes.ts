import type { Dataset } from './dataset';
import { DataError } from './errors';
import { classificationTask } from './task';

/**
 * Re-indexes a separately loaded dev/test set to the training set's class list, by class name, so
 * that index k means the same class everywhere. A class training never saw is an error: the model
 * has no output for it.
 */
export function alignClasses(ds: Dataset, classes: readonly string[]): Dataset {
  if (ds.task === 'regression' || classes.length === 0) {
    if (ds.task === 'regression' && classes.length === 0) return ds;
    const why = ds.task === 'regression' ? 'is a regression set, but training has class labels' : 'has class labels, but training is a regression set';
    throw new DataError(ds.name, why);
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  const remap = ds.classes.map((c) => index.get(c) ?? -1);
  const used = new Set<number>();
  for (let i = 0; i < ds.count; i++) used.add(ds.y[i]);
  for (const k of used) {
    if (remap[k] < 0) {
      const known = classes.join(', ');
      throw new DataError(ds.name, `has class '${ds.classes[k]}', which the training set does not have (training classes: ${known})`);
    }
  }
  const y = Float64Array.from(ds.y, (k) => remap[k]);
  return { ...ds, y, classes: [...classes], task: classificationTask(classes.length) };
}
