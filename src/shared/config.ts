/**
 * The experiment file (`*.nn.json`) after validation and defaults. The JSON Schema in
 * `schema/nn.schema.json` is the source of truth; these types mirror it and a test keeps them in
 * step (every schema default round-trips through `resolveConfig`).
 */
export type GeneratedSource = 'moons' | 'circles' | 'spiral' | 'xor' | 'gaussian' | 'flower';
export type BuiltinSource = 'digits' | 'breast-cancer';

export interface CsvSource {
  csv: string;
  /** Label column: name (with a header) or index (negative counts from the end). Default: last. */
  label?: string | number;
  header?: boolean | 'auto';
  task?: 'classification' | 'regression' | 'auto';
}

export interface IdxSource {
  idx: { images: string; labels: string };
}

export type DataSource = GeneratedSource | BuiltinSource | CsvSource | IdxSource;

export interface SplitConfig {
  train: number;
  dev: number;
  test: number;
  stratify: boolean;
}

export interface AugmentConfig {
  jitter: number;
  shift: number;
  rotate: number;
}

export interface DataConfig {
  source: DataSource;
  /** Samples for generated sets. */
  samples: number;
  /** Noise for generated sets (standard deviation). */
  noise: number;
  split: SplitConfig;
  /** Separate sources for dev/test; when given, `split` divides only the remaining parts. */
  dev?: DataSource;
  test?: DataSource;
  normalize: 'zscore' | 'none';
  augment: AugmentConfig;
}

export type Activation = 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid' | 'linear';
export type OutputKind = 'auto' | 'sigmoid' | 'softmax' | 'linear';
export type InitKind = 'zeros' | 'random' | 'xavier' | 'he';

export interface HiddenLayerConfig {
  units: number;
  activation: Activation;
  keepProb: number;
  batchNorm: boolean;
}

export interface ModelConfig {
  hidden: HiddenLayerConfig[];
  output: OutputKind;
  init: InitKind;
  /** Output bias at initialisation: 0, or from the train split's class prior / target means. */
  outputBias: 'zero' | 'prior';
  initScale: number;
  leakyReluSlope: number;
  batchNormMomentum: number;
  batchNormEpsilon: number;
}

export type OptimizerConfig =
  | { type: 'gd'; learningRate: number }
  | { type: 'momentum'; learningRate: number; beta: number }
  | { type: 'rmsprop'; learningRate: number; beta2: number; epsilon: number }
  | { type: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number };

export type LrDecayConfig =
  | { type: 'none' }
  | { type: 'inverseTime'; rate: number; every: number }
  | { type: 'exponential'; rate: number }
  | { type: 'sqrt'; k: number }
  | { type: 'step'; rate: number; every: number }
  /** Keras's ReduceLROnPlateau: ×factor after `patience` epochs without an improvement > minDelta of `monitor`. */
  | { type: 'reduceOnPlateau'; monitor: MonitorKind; factor: number; patience: number; minDelta: number; cooldown: number; minLr: number }
  /** Linear warmup to the optimizer's learning rate, then cosine decay to minLr at the end of training (per iteration). */
  | { type: 'warmupCosine'; warmup: number; warmupUnit: 'epochs' | 'iterations'; minLr: number }
  /** One-cycle (fastai's fit_one_cycle, PyTorch's OneCycleLR): cosine up from lr/div, then down to lr/finalDiv (per iteration). */
  | { type: 'oneCycle'; div: number; finalDiv: number; pctStart: number };

export type MonitorKind = 'devLoss' | 'devError' | 'trainLoss';

export interface EarlyStoppingConfig {
  enabled: boolean;
  monitor: MonitorKind;
  patience: number;
  minDelta: number;
  restoreBest: boolean;
}

export interface TrainingConfig {
  epochs: number;
  /** 0 or ≥ train size means full-batch gradient descent; 1 is SGD. */
  batchSize: number;
  optimizer: OptimizerConfig;
  lrDecay: LrDecayConfig;
  /** Clip all gradients jointly to this global L2 norm before each update (PyTorch's clip_grad_norm_); 0 = off. */
  clipNorm: number;
  regularization: { l2: number; l1: number };
  earlyStopping: EarlyStoppingConfig;
  dtype: 'float32' | 'float64';
  backend: 'auto' | 'wasm' | 'ts';
  threads: number;
  checkpointEvery: number;
  /** Overfit One Batch's own budget and pass bar (not `epochs`). */
  overfitBatch: { iterations: number; relativeCost: number };
}

export interface DiagnosticsConfig {
  /** A fraction, or "auto": the generator's Bayes error where known, else 0 (src/engine/diagnostics/human-level.ts). */
  humanLevelError: number | 'auto';
  layerStatsEvery: number;
  gradientCheck: { epsilon: number; maxEntriesPerTensor: number; batchSize: number };
  /** Epochs between decision-boundary/confusion-matrix snapshots (0 = off). */
  snapshotEvery: number;
  /** Training rows measured each epoch: a fixed sample of max(this, dev rows); 0 = all (src/engine/train/setup.ts trainSample). */
  trainEvalRows: number;
}

/**
 * An experiment that trains a user's PyTorch script (python/gradient_lab) instead of one of our
 * models: the host starts it like "Train Python Script"; the engine refuses it. `python` is
 * relative to the experiment's folder; `torchrun` starts it as `interpreter -m torch.distributed.run`.
 */
export interface PythonEngineConfig {
  python: string;
  args?: string[];
  interpreter?: string;
  torchrun?: { nprocPerNode: number };
}

export interface ExperimentConfig {
  name: string;
  seed: number;
  /** Only in experiments that name a Python script (then the engine never resolves them). */
  engine?: PythonEngineConfig;
  data: DataConfig;
  model: ModelConfig;
  training: TrainingConfig;
  diagnostics: DiagnosticsConfig;
  /** Hyperparameter search block; validated by the schema, used by `gradient-lab search`. */
  search?: SearchConfig;
}

export type SearchDistribution =
  | { log: [number, number] }
  | { oneMinusLog: [number, number] }
  | { uniform: [number, number] }
  | { int: [number, number] }
  | { choice: (number | string | boolean)[] };

export interface SearchConfig {
  space: Record<string, SearchDistribution>;
  trials: number;
  parallel: number;
  metric: 'devError' | 'devLoss' | 'trainError' | 'trainLoss';
  mode: 'min' | 'max';
  epochsPerTrial?: number;
  rounds: number;
  keepTop: number;
  seed?: number;
  earlyTermination: EarlyTerminationConfig;
}

/**
 * How a search stops or pauses unpromising trials (docs/search.md): `median` stops a trial behind
 * the median of the completed ones; `asha` pauses it at a rung (minEpochs·eta^k epochs) unless it
 * is in the top 1/eta of the trials that reached that rung, and resumes it when it gets there;
 * `hyperband` runs several ASHA brackets whose first rungs differ.
 */
export interface EarlyTerminationConfig {
  type: 'none' | 'median' | 'asha' | 'hyperband';
  /** Epochs every trial runs before the median rule may stop it. */
  graceEpochs: number;
  /** ASHA/Hyperband: the reduction factor η (the top 1/η of a rung is promoted); the schema's default is 3 (search.json files of earlier versions have none). */
  eta?: number;
  /** ASHA/Hyperband: the first rung (default: graceEpochs, at least 1). */
  minEpochs?: number;
  /** ASHA/Hyperband: rungs lie below this many epochs (default: epochsPerTrial). */
  maxEpochs?: number;
  /** Hyperband: how many brackets (default: all, ⌊log_η(maxEpochs / minEpochs)⌋ + 1). */
  brackets?: number;
}
