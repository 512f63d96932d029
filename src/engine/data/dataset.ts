import type { Features } from './features';

/** The in-memory form of every data set the engine trains on. */
export type Task = 'binary' | 'multiclass' | 'regression';

/** X narrows the features' form where a source always gives one (CSV and generated data: Float64Array). */
export interface Dataset<X extends Features = Features> {
  /** Where it came from, for messages: 'moons', 'digits', 'data/train.csv'. */
  name: string;
  task: Task;
  /** m samples. */
  count: number;
  /** n features per sample. */
  features: number;
  /** m×n row-major: float64, or byte codes (IDX pixels; see features.ts). */
  x: X;
  /** Classification: the class index of each sample (length m). Regression: m×targets row-major. */
  y: Float64Array;
  /** 1 for classification; the number of target columns for regression. */
  targets: number;
  /** Class names by index (classification); empty for regression. */
  classes: string[];
  featureNames?: string[];
  /** Set for image data (e.g. [8, 8] for digits, [28, 28] for MNIST): enables shift/rotate augmentation. */
  imageShape?: [number, number];
}
