/**
 * Issue 15, inputs that must be user errors: a model too big (refused before allocating), values
 * the schema accepted but a later stage rejected, IDX headers that disagree with the file, a
 * damaged search.json, and flags a command does not take.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../../src/engine/config/errors';
import { loadIdx, writeIdx } from '../../../src/engine/data/idx';
import { DataError } from '../../../src/engine/data/errors';
import { parseCsv } from '../../../src/engine/data/csv';
import { readSearchFile } from '../../../src/engine/search/search-store';
import { startSession } from '../../../src/engine/run/session';

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const cli = (args: string[]): { code: number | null; out: string; err: string } => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'gl-inputs-'));
const quiet = { iteration: (): void => undefined, emit: (): void => undefined };
/** A user error: said in one line, located, no stack trace, never "internal error". */
const assertUserError = (r: { code: number | null; err: string }, pattern: RegExp): void => {
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, pattern);
  assert.doesNotMatch(r.err, /internal error|\n\s+at /);
};

describe('faults: resources are estimated before allocating', function () {
  this.timeout(60000);

  it('two hidden layers of 100,000 units: config error at /model/hidden with parameters and bytes, line:column', () => {
    const dir = tempDir();
    const file = path.join(dir, 'big.nn.json');
    fs.writeFileSync(file, '{\n  "data": {"source": "moons"},\n  "model": {"hidden": [{"units": 100000}, {"units": 100000}]}\n}\n');
    const r = cli(['train', file, '--out', path.join(dir, 'run')]);
    assertUserError(r, /big\.nn\.json:3:13 \/model\/hidden: this model has 10,000,500,001 parameters and needs ≈ \d+(\.\d+)? GB .* more than/);
    assert.ok(!fs.existsSync(path.join(dir, 'run')), 'no run folder for a run that cannot start');
  });

  it('a model whose JSON checkpoint would exceed one string is refused with its size', async () => {
    const config = { data: { source: 'digits' }, model: { hidden: [{ units: 3000 }, { units: 3000 }] }, training: { backend: 'ts' } };
    await assert.rejects(startSession({ config, runDir: tempDir() }, quiet),
      (e: unknown) => e instanceof ConfigError && e.issues[0].path === '/model/hidden' && /9,228,010 parameters: its checkpoint would be ≈ \d+ MB of JSON/.test(e.message));
  });

  it('a model that fits still starts (no false alarm)', async () => {
    const s = await startSession({ config: { data: { source: 'digits' }, model: { hidden: [{ units: 256 }, { units: 256 }] }, training: { epochs: 1, backend: 'ts' } }, runDir: tempDir() }, quiet);
    s.folder.close();
    s.setup.backend.dispose();
  });
});

describe('faults: values the schema accepted but a later stage rejected', function () {
  this.timeout(60000);

  it('data.samples below the class count is a config error at /data/samples', async () => {
    for (const [source, samples] of [['moons', 1], ['spiral', 2], ['xor', 0]] as const) {
      await assert.rejects(startSession({ config: { data: { source, samples } }, runDir: tempDir() }, quiet),
        (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === '/data/samples'), `${source} ${samples}`);
    }
  });

  it('an initScale that overflows the weights is a config error at /model/initScale, not a diverged run', async () => {
    await assert.rejects(startSession({ config: { data: { source: 'moons' }, model: { init: 'random', initScale: 1e308 }, training: { backend: 'ts', dtype: 'float32' } }, runDir: tempDir() }, quiet),
      (e: unknown) => e instanceof ConfigError && e.issues[0].path === '/model/initScale' && /overflow to Inf in float32/.test(e.message));
    const s = await startSession({ config: { data: { source: 'moons' }, model: { init: 'random', initScale: 10 }, training: { backend: 'ts' } }, runDir: tempDir() }, quiet);
    s.folder.close();
  });

  describe('IDX headers are checked against the file size and each other', () => {
    let dir: string;
    beforeEach(() => {
      dir = tempDir();
    });
    const pair = (n: number, rows = 2, cols = 2, labels = n): [string, string] => {
      const images = path.join(dir, `i${n}-${rows}x${cols}`);
      const lab = path.join(dir, `l${labels}`);
      writeIdx(images, lab, { images: new Uint8Array(n * rows * cols).fill(7), labels: new Uint8Array(labels).fill(1), rows, cols });
      return [images, lab];
    };

    it('zero images or zero labels', () => {
      const [i, l] = pair(0);
      assert.throws(() => loadIdx(i, l), (e: unknown) => e instanceof DataError && /holds no images/.test(e.message));
    });

    it('images of 0×N pixels', () => {
      const images = path.join(dir, 'zero-rows');
      fs.writeFileSync(images, Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 5]));
      const [, l] = pair(2);
      assert.throws(() => loadIdx(images, l), (e: unknown) => e instanceof DataError && /0×5 pixels/.test(e.message));
    });

    it('more bytes than the header promises', () => {
      const [i, l] = pair(3);
      fs.appendFileSync(i, Buffer.from([1, 2, 3, 4]));
      assert.throws(() => loadIdx(i, l), (e: unknown) => e instanceof DataError && /4 bytes too many/.test(e.message));
    });

    it('image and label counts disagree; and an experiment whose test IDX has other dimensions than train', async () => {
      const [i, l] = pair(3, 2, 2, 4);
      assert.throws(() => loadIdx(i, l), (e: unknown) => e instanceof DataError && /holds 4 labels but .* holds 3 images/.test(e.message));
      const [ti, tl] = pair(20, 2, 2);
      const [si, sl] = pair(5, 3, 3);
      await assert.rejects(startSession({
        config: { data: { source: { idx: { images: ti, labels: tl } }, test: { idx: { images: si, labels: sl } }, split: { train: 0.8, dev: 0.2, test: 0 } } },
        runDir: tempDir(),
      }, quiet), (e: unknown) => e instanceof DataError && /has 9 features but the training data has 4/.test(e.message));
    });
  });
});

describe('faults: search --resume on a damaged search.json', function () {
  this.timeout(120000);
  let good: string;
  before(() => {
    const dir = tempDir();
    const file = path.join(dir, 's.nn.json');
    fs.writeFileSync(file, JSON.stringify({
      name: 's', data: { source: 'moons', samples: 100 }, model: { hidden: [{ units: 2 }] }, training: { epochs: 1, backend: 'ts' },
      search: { space: { 'training.optimizer.learningRate': { log: [1e-3, 0.1] } }, trials: 1, parallel: 1 },
    }));
    const r = cli(['search', file, '--runs', path.join(dir, 'runs'), '--json']);
    assert.equal(r.code, 0, r.err);
    const [name] = fs.readdirSync(path.join(dir, 'runs'));
    good = fs.readFileSync(path.join(dir, 'runs', name, 'search.json'), 'utf8');
  });

  const variants = (): [string, (text: string) => string][] => [
    ['empty', () => ''],
    ['half-written', (t) => t.slice(0, Math.floor(t.length / 2))],
    ['last byte lost', (t) => t.trimEnd().slice(0, -1)],
    ['not an object', () => '[1, 2]'],
    ['null', () => 'null'],
    ['trials not an array', (t) => JSON.stringify({ ...JSON.parse(t) as object, trials: 3 })],
    ['a trial is null', (t) => { const v = JSON.parse(t) as { trials: unknown[] }; v.trials[0] = null; return JSON.stringify(v); }],
    ['no experiment', (t) => { const v = JSON.parse(t) as Record<string, unknown>; delete v.experiment; return JSON.stringify(v); }],
    ['a space dimension without path', (t) => { const v = JSON.parse(t) as { space: unknown[] }; v.space[0] = {}; return JSON.stringify(v); }],
    ['wrong version', (t) => JSON.stringify({ ...JSON.parse(t) as object, version: 99 })],
  ];

  for (const [name, damage] of variants()) {
    it(`${name}: a located error naming the file (exit 2)`, () => {
      const dir = tempDir();
      const file = path.join(dir, 'search.json');
      fs.writeFileSync(file, damage(good));
      assert.throws(() => readSearchFile(dir), (e: unknown) => e instanceof DataError && e.file === file);
      const r = cli(['search', '--resume', dir]);
      assertUserError(r, new RegExp(`^gradient-lab: ${file.replace(/[/\\.]/g, '.')}`));
    });
  }

  it('the undamaged file still reads', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'search.json'), good);
    assert.ok(readSearchFile(dir).trials.length > 0);
  });
});

describe('faults: flags a command does not take', function () {
  this.timeout(60000);
  const example = path.join(ROOT, 'examples', 'moons.nn.json');
  const cases: [string[], RegExp][] = [
    [['search', path.join(ROOT, 'examples', 'search.moons.nn.json'), '--out', '/tmp/x'], /search does not take --out .*--runs DIR/],
    [['train', example, '--trials', '3'], /train does not take --trials/],
    [['train', example, '--parallel', '2'], /train does not take --parallel/],
    [['train', example, '--resume', 'x'], /train does not take --resume/],
    [['gradcheck', example, '--epochs', '2'], /gradcheck does not take --epochs/],
    [['diagnose', example, '--out', 'x'], /diagnose does not take --out/],
    [['train', example, 'other.nn.json'], /train takes one experiment file/],
  ];
  for (const [args, pattern] of cases) {
    it(args.filter((a) => !a.includes('/')).join(' '), () => assertUserError(cli(args), pattern));
  }
});

describe('faults: CSV locations', () => {
  const at = (text: string, line: number, column: number, pattern: RegExp): void => {
    assert.throws(() => parseCsv(text, 'f.csv'), (e: unknown) => e instanceof DataError && e.line === line && e.column === column && pattern.test(e.message));
  };
  it('a row missing a field, followed by blank lines, is rejected at that row and field', () => {
    at('a,b,c\n1,2,0\n1,2\n\n\n', 3, 3, /field 3 is missing/);
    at('a,b,c\r\n1,2,0\r\n1,2\r\n\r\n  \r\n', 3, 3, /field 3 is missing/);
  });
  it('lines count CRLF, lone CR, blank lines and quoted newlines', () => {
    at('a,b,c\r\n1,2,0\r\n\r\n1,x,1\r\n', 4, 2, /'x' is not a number/);
    at('a,b,c\r1,2,0\r\r1,x,1\r', 4, 2, /'x' is not a number/);
    at('"a\r\nA",b,c\r\n1,2,0\r\n1,x,1\r\n', 4, 2, /'x'/);
  });
  it('a stray quote is located where its field starts', () => {
    at('a,b,c\n1,"2,0\n1,"3",1\n', 2, 2, /closes on line 3/);
  });
});

describe('faults: data errors name the experiment field that led to them', function () {
  this.timeout(60000);
  it('file not found, a feature-count mismatch, an unknown class: data location plus experiment line:column and JSON path', () => {
    const dir = tempDir();
    const put = (name: string, text: string): string => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    put('train.csv', 'x1,x2,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n');
    put('test3.csv', 'x1,y\n1,0\n3,1\n');
    put('testcls.csv', 'x1,x2,y\n1,2,z\n');
    const cases: [string, RegExp][] = [
      ['{\n  "data": {\n    "source": {"csv": "nope.csv"}\n  }\n}\n', /nope\.csv: file not found .*\(named at .*e0\.nn\.json:3:\d+ \/data\/source\/csv\)/],
      ['{\n  "data": {\n    "source": {"csv": "train.csv"},\n    "test": {"csv": "test3.csv"}\n  }\n}\n', /test3\.csv: has 1 features but the training data has 2 \(named at .*e1\.nn\.json:4:\d+ \/data\/test\/csv\)/],
      ['{\n  "data": {\n    "source": {"csv": "train.csv"},\n    "test": {"csv": "testcls.csv"}\n  }\n}\n', /testcls\.csv: has class 'z'.*\(named at .*e2\.nn\.json:4:\d+ \/data\/test\/csv\)/],
    ];
    cases.forEach(([text, pattern], i) => {
      const file = put(`e${i}.nn.json`, text);
      assertUserError(cli(['train', file, '--out', path.join(dir, `run${i}`)]), pattern);
    });
  });
});
