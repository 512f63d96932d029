/**
 * Issue 15: a seeded generated-input suite. Hundreds of broken experiment files, CSVs and IDX
 * files, each started as a run: every one must either train (ending finished or diverged with a
 * complete folder) or fail with a located user error — never an engine error or a stack trace.
 * CSV faults are planted at a known line and field, so the error's location is checked exactly.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../../src/engine/data/errors';
import { parseCsv } from '../../../src/engine/data/csv';
import { describeError, startSession } from '../../../src/engine/run/session';
import { Rng } from '../../../src/engine/util/rng';

const quiet = { iteration: (): void => undefined, emit: (): void => undefined };
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-generated-'));
let runs = 0;

/** Starts and trains `config` (file `configPath` when given); returns the outcome in words. */
async function outcome(config: unknown, configPath?: string): Promise<string> {
  const runDir = path.join(root, `run-${++runs}`);
  let session;
  try {
    session = await startSession({ config, configPath, runDir, onDiverge: 'end' }, quiet);
  } catch (e) {
    const info = describeError(e);
    assert.notEqual(info.code, 'engine', `engine error for ${JSON.stringify(config).slice(0, 300)}: ${info.message}`);
    assert.doesNotMatch(info.message, /\n\s+at |internal error/, info.message);
    assert.ok(info.message.length > 0);
    if (info.code === 'config') assert.ok(info.path !== undefined, `config error without a path: ${info.message}`);
    return `${info.code} error`;
  }
  try {
    const summary = await session.trainer.run();
    assert.ok(['finished', 'diverged'].includes(summary.state), summary.state);
    for (const f of ['summary.json', 'model.json', 'checkpoints/latest.json']) assert.ok(fs.existsSync(path.join(runDir, f)), `${f} for ${summary.state}`);
    return summary.state;
  } finally {
    session.folder.close();
    session.setup.backend.dispose();
  }
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

/** Values that break fields in many ways: wrong type, sign, size, precision, emptiness. */
const BAD_VALUES: readonly unknown[] = [
  -1, 0, 0.5, 1, 1e308, -1e308, 5e-324, 1e-320, 2 ** 53, 1e9, 'abc', '', true, null, [], {}, [1, 'x'], { a: 1 },
];
/** Fields of an experiment (JSON paths) that bad values go into. */
const FIELDS: readonly string[][] = [
  ['data', 'samples'], ['data', 'noise'], ['data', 'split', 'train'], ['data', 'split', 'dev'], ['data', 'split', 'test'],
  ['data', 'normalize'], ['data', 'augment', 'jitter'], ['data', 'augment', 'shift'], ['data', 'augment', 'rotate'],
  ['model', 'hidden'], ['model', 'hidden', '0', 'units'], ['model', 'hidden', '0', 'keepProb'], ['model', 'hidden', '0', 'activation'],
  ['model', 'hidden', '0', 'batchNorm'], ['model', 'init'], ['model', 'initScale'], ['model', 'output'], ['model', 'leakyReluSlope'],
  ['training', 'epochs'], ['training', 'batchSize'], ['training', 'optimizer', 'learningRate'], ['training', 'optimizer', 'type'],
  ['training', 'optimizer', 'epsilon'], ['training', 'optimizer', 'beta1'], ['training', 'regularization', 'l2'],
  ['training', 'regularization', 'l1'], ['training', 'earlyStopping', 'patience'], ['training', 'checkpointEvery'], ['seed'],
  ['data', 'source'], ['diagnostics', 'layerStatsEvery'],
];

function baseConfig(): Record<string, unknown> {
  return {
    name: 'generated', seed: 1, data: { source: 'moons', samples: 60 },
    model: { hidden: [{ units: 4 }] },
    training: { epochs: 2, batchSize: 16, backend: 'ts', optimizer: { type: 'adam', learningRate: 0.01 } },
    diagnostics: { snapshotEvery: 0 },
  };
}

function setPath(obj: Record<string, unknown>, keys: string[], value: unknown): void {
  let cur: Record<string, unknown> = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = /^\d+$/.test(k) ? [] : {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

interface PlantedCsv { text: string; line: number; column: number }

/**
 * A CSV of 3 numeric features and a 0/1 label with a header, random line ends (LF, CRLF, CR),
 * blank lines, quoted fields (some header names spanning lines), and one fault planted on a data
 * row; returns where the error must point.
 */
function plantedCsv(rng: Rng): PlantedCsv {
  const eol = pick(rng, ['\n', '\r\n', '\r']);
  const rows: string[][] = [];
  const header = ['x1', 'x2', 'x3', 'y'].map((h) => (rng.int(4) === 0 ? `"${h}${rng.int(2) ? `${eol}part` : ''}"` : h));
  const count = 4 + rng.int(8);
  for (let r = 0; r < count; r++) {
    const row = [0, 1, 2].map(() => (rng.range(-5, 5)).toFixed(3)).map((v) => (rng.int(5) === 0 ? `"${v}"` : v));
    row.push(String(r % 2));
    rows.push(row);
  }
  const target = 1 + rng.int(count - 1);
  const fault = pick(rng, ['text', 'missing', 'extra', 'empty', 'nan', 'emptyLabel', 'unterminated'] as const);
  let column = 1 + rng.int(3);
  const row = rows[target];
  switch (fault) {
    case 'text': row[column - 1] = pick(rng, ['abc', '1.2.3', '--1', '0x']); break;
    case 'missing': row.splice(1 + rng.int(3), 1); column = 4; break;
    case 'extra': row.push('7'); column = 5; break;
    case 'empty': row[column - 1] = ''; break;
    case 'nan': row[column - 1] = pick(rng, ['NaN', 'Infinity', '-inf', '1e999']); break;
    case 'emptyLabel': row[3] = ''; column = 4; break;
    case 'unterminated': row[column - 1] = '"1.5'; break;
  }
  const lines: string[] = [header.join(',')];
  let line = 1 + header.join(',').split(eol).length - 1;
  let faultLine = 0;
  for (let r = 0; r < rows.length; r++) {
    const blanks = rng.int(3) === 0 ? 1 + rng.int(2) : 0;
    for (let b = 0; b < blanks; b++) lines.push(pick(rng, ['', '  ', '\t']));
    line += blanks;
    lines.push(rows[r].join(','));
    line++;
    if (r === target) faultLine = line;
  }
  if (rng.int(2)) lines.push('', '');
  return { text: lines.join(eol) + (rng.int(2) ? eol : ''), line: faultLine, column };
}

/** An IDX images/labels pair with a random header fault (or none). */
function idxPair(rng: Rng, dir: string, k: number): { images: string; labels: string } {
  const n = 12;
  const rows = 3;
  const cols = 3;
  const header = (magic: number, dims: number[]): Buffer => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d >>> 0, 4 + 4 * i));
    return b;
  };
  let imageDims = [n, rows, cols];
  let labelDims = [n];
  let imageMagic = 0x803;
  let labelMagic = 0x801;
  let pixels = Buffer.alloc(n * rows * cols, 128);
  let labels = Buffer.from(Array.from({ length: n }, (_, i) => i % 3));
  switch (rng.int(9)) {
    case 0: imageDims = [0, rows, cols]; pixels = Buffer.alloc(0); break;
    case 1: imageDims = [n + 5, rows, cols]; break;
    case 2: labelDims = [n - 1]; labels = labels.subarray(0, n - 1); break;
    case 3: pixels = Buffer.concat([pixels, Buffer.alloc(7)]); break;
    case 4: imageDims = [n, 0, cols]; break;
    case 5: imageMagic = 0x801; break;
    case 6: [imageMagic, labelMagic] = [labelMagic, imageMagic]; break;
    case 7: imageDims = [n, 0xffffffff, 2]; break;
    default: break; // a good pair
  }
  const images = path.join(dir, `images-${k}`);
  const labelsFile = path.join(dir, `labels-${k}`);
  fs.writeFileSync(images, Buffer.concat([header(imageMagic, imageDims), pixels]));
  fs.writeFileSync(labelsFile, Buffer.concat([header(labelMagic, labelDims), labels]));
  return { images, labels: labelsFile };
}

describe('faults: generated inputs (seeded)', function () {
  this.timeout(120000);

  it('200 experiment files with a bad value in a field: trained or a config/data error with its path', async () => {
    const rng = new Rng(15);
    const seen = new Map<string, number>();
    for (let k = 0; k < 200; k++) {
      const config = baseConfig();
      const edits = 1 + rng.int(2);
      for (let e = 0; e < edits; e++) setPath(config, [...pick(rng, FIELDS)], structuredClone(pick(rng, BAD_VALUES)));
      const result = await outcome(config);
      seen.set(result, (seen.get(result) ?? 0) + 1);
    }
    assert.ok((seen.get('config error') ?? 0) > 50, JSON.stringify([...seen]));
  });

  it('200 CSVs with one planted fault: a data error at its exact line and field', () => {
    const rng = new Rng(1515);
    for (let k = 0; k < 200; k++) {
      const planted = plantedCsv(rng);
      const shown = JSON.stringify(planted.text);
      assert.throws(() => parseCsv(planted.text, 'g.csv'), (e: unknown) => {
        assert.ok(e instanceof DataError, `${shown}: ${String(e)}`);
        assert.equal(e.line, planted.line, `line of "${e.message}" in ${shown}`);
        assert.equal(e.column, planted.column, `column of "${e.message}" in ${shown}`);
        return true;
      });
    }
  });

  it('60 CSV experiments (faulty or fine) and 60 IDX pairs: trained, or a located data error', async () => {
    const rng = new Rng(151515);
    const dir = fs.mkdtempSync(path.join(root, 'files-'));
    for (let k = 0; k < 60; k++) {
      const file = path.join(dir, `d${k}.csv`);
      const planted = plantedCsv(rng);
      fs.writeFileSync(file, rng.int(4) === 0 ? 'x1,x2,x3,y\n1,2,3,0\n4,5,6,1\n7,8,9,0\n1,1,1,1\n2,2,2,0\n' : planted.text);
      const config = baseConfig();
      setPath(config, ['data', 'source'], { csv: file, ...(rng.int(3) === 0 ? { label: pick(rng, [-9, 7, 'nope', 'y']) } : {}) });
      setPath(config, ['data', 'split'], { train: 0.6, dev: 0.4, test: 0 });
      const result = await outcome(config);
      assert.match(result, /data error|config error|finished|diverged/);
    }
    for (let k = 0; k < 60; k++) {
      const config = baseConfig();
      setPath(config, ['data', 'source'], { idx: idxPair(rng, dir, k) });
      await outcome(config);
    }
  });
});
