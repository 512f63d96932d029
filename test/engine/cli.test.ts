/** The CLI as a user runs it: exit codes, messages without stack traces, run folders, gradcheck. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeIdx } from '../../src/engine/data/idx';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

function cli(args: string[], cwd = ROOT): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('CLI', function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-cli-'));
  });
  const write = (name: string, content: unknown): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return file;
  };

  it('train writes the run folder given by --out and prints the final errors', () => {
    const out = path.join(dir, 'run');
    const r = cli(['train', path.join(ROOT, 'examples', 'optimizers.adam.nn.json'), '--out', out, '--epochs', '50']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /train cost .* train error .* dev error/);
    assert.match(r.out, new RegExp(`run folder: ${out.replace(/[/\\]/g, '.')}`));
    for (const f of ['config.json', 'metrics.jsonl', 'events.jsonl', 'model.json', 'summary.json', 'checkpoints/latest.json']) {
      assert.ok(fs.existsSync(path.join(out, f)), f);
    }
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as { epochs: number };
    assert.equal(summary.epochs, 50);
  });

  it('train prints clipping, the clipping flag and plateau reductions; summary.json has the gradient norms', () => {
    const file = write('clip.nn.json', {
      data: { source: 'moons', samples: 200 }, model: { hidden: [{ units: 8 }] },
      training: { epochs: 30, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, clipNorm: 1e-4, backend: 'ts',
        lrDecay: { type: 'reduceOnPlateau', monitor: 'trainLoss', patience: 1, minDelta: 10, factor: 0.5 } },
    });
    const out = path.join(dir, 'run');
    const r = cli(['train', file, '--out', out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /gradient clipping at 0\.0001000: \d+ of \d+ steps clipped \(100\.0 %\); unclipped ‖g‖ median .*, 90th percentile .* \(suggested clipNorm\)/);
    assert.match(r.out, /⚠ Gradient clipping at clipNorm 0\.000100 scaled 100 % .*Lower the learning rate instead/);
    assert.match(r.out, /learning rate 0\.01000 → 0\.005000 at iteration \d+ \(reduceOnPlateau, epoch 2\)/);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as { gradients: { clippedFraction: number; p90: number } };
    assert.equal(summary.gradients.clippedFraction, 1);
    assert.ok(summary.gradients.p90 > 1e-4);
  });

  it('--json prints one engine event per line', () => {
    const r = cli(['train', path.join(ROOT, 'examples', 'moons.nn.json'), '--out', path.join(dir, 'r'), '--epochs', '3', '--json']);
    assert.equal(r.code, 0, r.err);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    assert.equal(events[0].type, 'runInfo');
    assert.equal(events[events.length - 1].type, 'summary');
    assert.equal(events.filter((e) => e.type === 'epoch').length, 3);
  });

  it('gradcheck on the every-layer example prints per-tensor differences < 1e-7', () => {
    const r = cli(['gradcheck', path.join(ROOT, 'examples', 'gradcheck.all-layers.nn.json'), '--json']);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as { tensors: { layer: string; tensor: string; difference: number; checked: number }[] };
    const tensors = new Set(report.tensors.map((t) => t.tensor));
    for (const t of ['W', 'b', 'gamma', 'beta']) assert.ok(tensors.has(t), t);
    for (const t of report.tensors) {
      assert.ok(t.difference < 1e-7, `${t.layer} ${t.tensor}: ${t.difference}`);
      assert.ok(t.checked > 0);
    }
  });

  it('gradcheck on a narrow zero-bias ReLU net is "correct" (exit 0) with its kink entries counted, not a bug (exit 3)', () => {
    // With this seed a batch row has all four hidden-1 units off, so z₂ = b₂ = 0 exactly in that row.
    const file = write('narrow.nn.json', {
      name: 'narrow-relu', seed: 3, data: { source: 'moons', samples: 200, noise: 0.2 },
      model: { hidden: [{ units: 4, activation: 'relu' }, { units: 3, activation: 'relu' }], init: 'he' },
      training: { epochs: 5, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.005 } },
    });
    const json = cli(['gradcheck', file, '--json']);
    assert.equal(json.code, 0, json.out);
    const report = JSON.parse(json.out) as { band: string; kinks: number; tensors: { band: string; kinks: number }[] };
    assert.equal(report.band, 'correct');
    assert.ok(report.kinks > 0);
    assert.ok(!report.tensors.some((t) => t.band === 'bug'));
    const human = cli(['gradcheck', file]);
    assert.equal(human.code, 0);
    assert.match(human.out, /kinks/);
    assert.match(human.out, new RegExp(`note: ${report.kinks} entries straddle a kink .*excluded`));
  });

  describe('bad input: a clear message, exit code 2, no stack trace', () => {
    const expectUserError = (r: { code: number | null; err: string }, pattern: RegExp): void => {
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, pattern);
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    };

    it('invalid config: JSON path, line and column', () => {
      const file = write('bad.nn.json', '{\n  "data": { "source": "moons" },\n  "model": { "hidden": [{ "units": 0 }] },\n  "trainig": {}\n}\n');
      const r = cli(['train', file]);
      expectUserError(r, /bad\.nn\.json:3:\d+ \/model\/hidden\/0\/units/);
      assert.match(r.err, /bad\.nn\.json:4:\d+ .*unknown field "trainig"/);
    });

    it('JSON syntax error: line and column', () => {
      expectUserError(cli(['train', write('syntax.nn.json', '{\n  "data": { "source": "moons" },\n}\n')]), /syntax\.nn\.json:3:1/);
    });

    it('missing experiment file', () => {
      expectUserError(cli(['train', path.join(dir, 'missing.nn.json')]), /missing\.nn\.json/);
    });

    it('CSV with a bad row: file, line and column', () => {
      write('train.csv', 'x1,x2,y\n0.1,0.2,a\n0.3,oops,b\n0.5,0.6,a\n0.7,0.8,b\n');
      const file = write('csv.nn.json', { data: { source: { csv: 'train.csv', label: 'y' } } });
      expectUserError(cli(['train', file]), /train\.csv:3:2: .*'oops'/);
    });

    it('missing CSV file', () => {
      expectUserError(cli(['train', write('nocsv.nn.json', { data: { source: { csv: 'absent.csv' } } })]), /absent\.csv/);
    });

    it('IDX with a wrong magic number', () => {
      const images = path.join(dir, 'img.idx');
      const labels = path.join(dir, 'lab.idx');
      writeIdx(images, labels, { images: new Uint8Array(4 * 4 * 4), labels: new Uint8Array([0, 1, 0, 1]), rows: 4, cols: 4 });
      const bytes = fs.readFileSync(images);
      bytes.writeUInt32BE(0x00000999, 0);
      fs.writeFileSync(images, bytes);
      expectUserError(cli(['train', write('idx.nn.json', { data: { source: { idx: { images: 'img.idx', labels: 'lab.idx' } } } })]), /img\.idx.*magic/i);
    });

    it('an output that does not fit the data, located in the file', () => {
      const file = write('out.nn.json', '{\n  "data": { "source": "spiral" },\n  "model": { "output": "sigmoid" }\n}\n');
      expectUserError(cli(['train', file]), /out\.nn\.json:3:\d+ \/model\/output: sigmoid handles 2 classes/);
    });

    it('unknown command and bad flags', () => {
      expectUserError(cli(['fly']), /unknown command "fly"/);
      expectUserError(cli(['train', 'x.nn.json', '--epochs', 'many']), /--epochs must be a positive integer/);
      expectUserError(cli(['train', 'x.nn.json', '--epochs', '-1']), /--epochs/);
      expectUserError(cli(['train', 'x.nn.json', '--colour']), /Unknown option '--colour'/);
    });
  });
  it('train --evaluate-test, then evaluate: each look at the sealed test set is counted and recorded in the run folder', () => {
    const out = path.join(dir, 'run');
    const trained = cli(['train', path.join(ROOT, 'examples', 'moons.nn.json'), '--out', out, '--epochs', '3', '--evaluate-test', '--quiet']);
    assert.equal(trained.code, 0, trained.err);
    assert.match(trained.out, /test error \d+\.\d+% .* the first look at the sealed test set/);
    const again = cli(['evaluate', out, '--json']);
    assert.equal(again.code, 0, again.err);
    const result = JSON.parse(again.out) as { type: string; looks: number; error: number; iteration: number };
    assert.equal(result.type, 'testResult');
    assert.equal(result.looks, 2);
    const events = fs.readFileSync(path.join(out, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; looks?: number; error?: number });
    const looks = events.filter((e) => e.type === 'testResult');
    assert.deepEqual(looks.map((e) => e.looks), [1, 2]);
    assert.equal(looks[0].error, looks[1].error, 'the same weights, the same test rows');
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as { testLooks: number };
    assert.equal(summary.testLooks, 2);
    const checkpoint = JSON.parse(fs.readFileSync(path.join(out, 'checkpoints', 'latest.json'), 'utf8')) as { testLooks: number };
    assert.equal(checkpoint.testLooks, 2, 'a resumed run (or the extension) counts on from here');
  });

  it('evaluate: a folder that is not a run, or a run without a test set, is a located error (exit 2, no stack)', () => {
    const missing = cli(['evaluate', path.join(dir, 'nothing')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /not a run folder with a checkpoint/);
    assert.doesNotMatch(missing.err, /\n\s+at /);
    const file = write('no-test.nn.json', { data: { source: 'moons', samples: 100, split: { train: 0.8, dev: 0.2, test: 0 } }, training: { epochs: 1 } });
    const out = path.join(dir, 'no-test');
    assert.equal(cli(['train', file, '--out', out, '--quiet']).code, 0);
    const r = cli(['evaluate', out]);
    assert.equal(r.code, 2);
    assert.match(r.err, /no test set/);
    assert.doesNotMatch(r.err, /\n\s+at /);
  });
});
