import * as path from 'node:path';
import type { DataConfig, DataSource, ExperimentConfig } from '../../shared/config';
import {
  alignClasses, applyZScore, compareLabelDistributions, generateDataset, loadBuiltin, loadCsv, loadIdx, splitDataset,
  type Dataset, type ZScoreStats,
} from '../data';
import { DataError } from '../data/errors';
import { GENERATED_KINDS, type GeneratedKind } from '../data/generators';
import { fitZScore } from '../data/normalize';
import { Rng } from '../util/rng';

export interface PreparedData {
  train: Dataset;
  dev: Dataset;
  test: Dataset;
  /** Train and dev splits before normalisation (decision-boundary maps draw in the user's coordinates). */
  rawTrain: Dataset;
  rawDev: Dataset;
  normalization: ZScoreStats | null;
  warnings: string[];
  /** Which rows went where, in words ("all 800 rows of data/train.csv"), for the run record. */
  provenance: DataProvenance;
}

export interface DataProvenance {
  train: string;
  dev: string;
  test: string;
}

function sourceName(source: DataSource): string {
  if (typeof source === 'string') return source;
  return 'csv' in source ? source.csv : source.idx.images;
}

function rowsFrom(count: number, of: number, source: DataSource): string {
  const rows = (n: number): string => `${n} row${n === 1 ? '' : 's'}`;
  return count === of ? `all ${rows(of)} of ${sourceName(source)}` : `${count} of the ${rows(of)} of ${sourceName(source)}`;
}

function carvedFrom(count: number, of: number, source: DataSource, part: 'dev' | 'test'): string {
  return count === 0 ? `none (no ${part} source, data.split.${part} 0)` : rowsFrom(count, of, source);
}

/** Where a loader may put a data set's bytes (a backend's memory, Backend.allocCodes). */
export interface LoadOptions {
  allocCodes?: (length: number) => Uint8Array;
}

/** Loads one source; relative paths resolve against the experiment file's folder. */
export function loadSource(source: DataSource, data: DataConfig, seed: number, baseDir: string, options: LoadOptions = {}): Dataset {
  if (typeof source === 'string') {
    if ((GENERATED_KINDS as readonly string[]).includes(source)) {
      return generateDataset(source as GeneratedKind, { samples: data.samples, noise: data.noise, seed });
    }
    if (source === 'digits' || source === 'breast-cancer') return loadBuiltin(source);
    throw new DataError(source, 'is not a built-in data set');
  }
  if ('csv' in source) {
    return loadCsv(path.resolve(baseDir, source.csv), {
      label: source.label, header: source.header, task: source.task, displayPath: source.csv,
    });
  }
  return loadIdx(path.resolve(baseDir, source.idx.images), path.resolve(baseDir, source.idx.labels), { allocCodes: options.allocCodes });
}

/** The JSON pointer of the field naming a source's file (the csv path, the idx images), else the source itself. */
function fieldOf(at: string, source: DataSource | undefined): string {
  if (source && typeof source === 'object') return 'csv' in source ? `${at}/csv` : `${at}/idx`;
  return at;
}

/** Runs `load`, marking a data error with the experiment field that named the data. */
function namedBy<T>(path: string, load: () => T): T {
  try {
    return load();
  } catch (e) {
    if (e instanceof DataError) e.field ??= { path };
    throw e;
  }
}

/**
 * Source → train/dev/test → z-score fitted on train only. With separate dev/test sources, the main
 * source is split between the remaining parts only (e.g. all of it to train).
 */
export function prepareData(config: ExperimentConfig, baseDir: string, options: LoadOptions = {}): PreparedData {
  const d = config.data;
  const splitRng = new Rng(config.seed ^ 0x5eed);
  const main = namedBy(fieldOf('/data/source', d.source), () => loadSource(d.source, d, config.seed, baseDir, options));
  const warnings: string[] = [];
  const carved = { dev: d.dev ? 0 : d.split.dev, test: d.test ? 0 : d.split.test };
  // With own sources, train keeps whatever the carved parts leave (validate: less than all of it).
  const ratios = d.dev || d.test ? { train: 1 - carved.dev - carved.test, ...carved } : { train: d.split.train, ...carved };
  const parts = splitDataset(main, ratios, splitRng, { stratify: d.split.stratify });
  const separate = (src: DataSource | undefined, fallback: Dataset, seedOffset: number, at: string): Dataset => {
    if (!src) return fallback;
    return namedBy(fieldOf(at, src), () => {
      const ds = loadSource(src, d, config.seed + seedOffset, baseDir, options);
      return main.task === 'regression' ? ds : alignClasses(ds, main.classes);
    });
  };
  const rawTrain = parts.train;
  let dev = separate(d.dev, parts.dev, 1, '/data/dev');
  let test = separate(d.test, parts.test, 2, '/data/test');
  for (const [name, ds] of [['dev', dev], ['test', test]] as const) {
    if (ds.count > 0 && ds.features !== rawTrain.features) {
      const e = new DataError(ds.name, `has ${ds.features} features but the training data has ${rawTrain.features}`);
      e.field = { path: fieldOf(`/data/${name}`, d[name]) };
      throw e;
    }
    if (name === 'dev' && ds.count === 0) warnings.push('No dev set: the bias/variance verdict and early stopping on dev need one.');
  }
  if (dev.count > 0 && test.count > 0) {
    const mismatch = compareLabelDistributions(dev, test);
    if (mismatch) warnings.push(`Dev and test label distributions differ: ${mismatch} Dev and test should come from the same distribution.`);
  }
  const rawDev = dev;
  let train = rawTrain;
  let normalization: ZScoreStats | null = null;
  if (d.normalize === 'zscore') {
    normalization = fitZScore(rawTrain);
    train = applyZScore(rawTrain, normalization);
    dev = applyZScore(dev, normalization);
    test = applyZScore(test, normalization);
  }
  const provenance = {
    train: rowsFrom(rawTrain.count, main.count, d.source),
    dev: d.dev ? rowsFrom(dev.count, dev.count, d.dev) : carvedFrom(dev.count, main.count, d.source, 'dev'),
    test: d.test ? rowsFrom(test.count, test.count, d.test) : carvedFrom(test.count, main.count, d.source, 'test'),
  };
  return { train, dev, test, rawTrain, rawDev, normalization, warnings, provenance };
}
