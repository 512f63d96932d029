import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Dataset } from './dataset';
import { DataError } from './errors';

export type BuiltinName = 'digits' | 'breast-cancer';

export const BUILTIN_NAMES: readonly BuiltinName[] = ['digits', 'breast-cancer'];

/** sklearn's names, in the file's column order (README: mean, standard error, worst of each). */
const MEASURES = [
  'radius', 'texture', 'perimeter', 'area', 'smoothness',
  'compactness', 'concavity', 'concave points', 'symmetry', 'fractal dimension',
];
export const BREAST_CANCER_FEATURES: readonly string[] = [
  ...MEASURES.map((m) => `mean ${m}`),
  ...MEASURES.map((m) => `${m} error`),
  ...MEASURES.map((m) => `worst ${m}`),
];

let cachedDir: string | undefined;

/**
 * The shipped `data/` folder: the first ancestor of this module's directory holding
 * `data/digits.csv.gz`. Works from src/engine/data under tsx and from a bundled dist/*.js, as long
 * as the package keeps `data/` at its root.
 */
export function builtinDataDir(): string {
  if (cachedDir) return cachedDir;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'data', 'digits.csv.gz'))) return (cachedDir = join(dir, 'data'));
    if (dirname(dir) === dir) break;
  }
  throw new DataError('data/digits.csv.gz', `built-in data folder not found above ${__dirname} (is data/ missing from the package?)`);
}

export function loadBuiltin(name: BuiltinName): Dataset<Float64Array> {
  switch (name) {
    case 'digits':
      return loadDigits();
    case 'breast-cancer':
      return loadBreastCancer();
  }
}

/**
 * 1,797 8×8 digits. Pixels are counts 0..16 in the file; they are divided by 16 so that every
 * image source (digits, IDX) reaches the network in [0, 1].
 */
function loadDigits(): Dataset<Float64Array> {
  const path = join(builtinDataDir(), 'digits.csv.gz');
  const rows = numericRows(gunzipSync(readFileSync(path)).toString('utf8'), path, 65, 0);
  const count = rows.length;
  const x = new Float64Array(count * 64);
  const y = new Float64Array(count);
  rows.forEach((row, i) => {
    for (let j = 0; j < 64; j++) x[i * 64 + j] = row[j] / 16;
    y[i] = row[64];
  });
  return {
    name: 'digits',
    task: 'multiclass',
    count,
    features: 64,
    x,
    y,
    targets: 1,
    classes: Array.from({ length: 10 }, (_, d) => String(d)),
    featureNames: Array.from({ length: 64 }, (_, j) => `pixel_${Math.floor(j / 8)}_${j % 8}`),
    imageShape: [8, 8],
  };
}

/** 569 tumours, 30 raw (unscaled) features; label 0 = malignant, 1 = benign, as in the file. */
function loadBreastCancer(): Dataset<Float64Array> {
  const path = join(builtinDataDir(), 'breast_cancer.csv');
  // Line 1 is sklearn's "569,30,malignant,benign" summary, not column names.
  const rows = numericRows(readFileSync(path, 'utf8'), path, 31, 1);
  const count = rows.length;
  const x = new Float64Array(count * 30);
  const y = new Float64Array(count);
  rows.forEach((row, i) => {
    for (let j = 0; j < 30; j++) x[i * 30 + j] = row[j];
    y[i] = row[30];
  });
  return {
    name: 'breast-cancer',
    task: 'binary',
    count,
    features: 30,
    x,
    y,
    targets: 1,
    classes: ['malignant', 'benign'],
    featureNames: [...BREAST_CANCER_FEATURES],
  };
}

/** The shipped files are trusted but still checked, so a damaged package fails loudly. */
function numericRows(text: string, file: string, width: number, skipLines: number): number[][] {
  const rows: number[][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (i < skipLines || line.trim() === '') return;
    const row = line.split(',').map(Number);
    if (row.length !== width || row.some((v) => !Number.isFinite(v))) {
      throw new DataError(file, `damaged built-in data: expected ${width} numbers`, i + 1);
    }
    rows.push(row);
  });
  return rows;
}
