/**
 * Diagnose on healthy and broken experiments: the shipped examples pass every check (no false
 * alarms), and each planted problem fails (or warns) the check that is about it, with its fix.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DiagnoseCheck, DiagnoseCheckId, DiagnoseReport } from '../../src/shared/diagnosis';
import { loadExperiment, resolveConfig } from '../../src/engine/config/validate';
import { generateDataset } from '../../src/engine/data/generators';
import { diagnose } from '../../src/engine/diagnostics/diagnose';
import { Rng } from '../../src/engine/util/rng';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

function check(report: DiagnoseReport, id: DiagnoseCheckId): DiagnoseCheck {
  const c = report.checks.find((x) => x.id === id);
  assert.ok(c, `${id} ran`);
  return c;
}

function summary(report: DiagnoseReport): string {
  return report.checks.map((c) => `${c.id}: ${c.status} — ${c.measured}${c.remedy ? ` → ${c.remedy}` : ''}`).join('\n');
}

async function run(json: Record<string, unknown>, configPath?: string, checks?: DiagnoseCheckId[]): Promise<DiagnoseReport> {
  return diagnose(resolveConfig(json, configPath), { configPath, checks });
}

/** Writes a 2-D CSV (x1, x2, y) into `dir`. */
function writeCsv(dir: string, name: string, rows: number[][]): string {
  fs.writeFileSync(path.join(dir, name), `x1,x2,y\n${rows.map((r) => r.join(',')).join('\n')}\n`);
  return name;
}

const BASE = {
  seed: 3,
  model: { hidden: [{ units: 16 }, { units: 16 }], init: 'he' },
  training: { batchSize: 64, optimizer: { type: 'adam', learningRate: 0.005 } },
};

describe('diagnose', function () {
  this.timeout(180000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-diagnose-'));
  });

  for (const example of ['moons.nn.json', 'digits.softmax.nn.json', 'optimizers.adam.nn.json']) {
    it(`the shipped ${example} passes every check, and no run folder appears`, async () => {
      const copy = path.join(dir, example);
      fs.copyFileSync(path.join(EXAMPLES, example), copy);
      const report = await diagnose(loadExperiment(copy), { configPath: copy });
      console.log(`      ${example}: ${report.checks.length} checks in ${report.seconds.toFixed(2)} s`);
      assert.equal(report.checks.length, 8);
      for (const c of report.checks) assert.equal(c.status, 'pass', summary(report));
      assert.equal(report.status, 'pass');
      assert.ok(report.lrFind?.suggestion, 'the range test suggested a rate');
      assert.ok(!fs.existsSync(path.join(dir, '.gradient-lab')), 'no run folder');
    });
  }

  it('labels shuffled apart from their inputs: the input-independent baseline warns', async () => {
    const moons = generateDataset('moons', { samples: 600, noise: 0.2, seed: 1 });
    const labels = Array.from(moons.y);
    new Rng(9).shuffle(labels);
    const file = writeCsv(dir, 'shuffled.csv', labels.map((y, i) => [moons.x[2 * i], moons.x[2 * i + 1], y]));
    const report = await run({ ...BASE, data: { source: { csv: file, label: 'y' } } }, path.join(dir, 'shuffled.nn.json'));
    const baseline = check(report, 'inputIndependent');
    const tiny = check(report, 'overfitTiny');
    assert.ok(baseline.status === 'warn' || tiny.status === 'fail', summary(report));
    assert.equal(baseline.status, 'warn', summary(report));
    assert.match(baseline.remedy, /labels belong to their inputs/);
    assert.ok(baseline.values.ratio! >= 0.8);
    // The same data with its real labels passes.
    const real = writeCsv(dir, 'real.csv', Array.from(moons.y).map((y, i) => [moons.x[2 * i], moons.x[2 * i + 1], y]));
    const healthy = await run({ ...BASE, data: { source: { csv: real, label: 'y' } } }, path.join(dir, 'real.nn.json'), ['inputIndependent']);
    assert.equal(check(healthy, 'inputIndependent').status, 'pass', summary(healthy));
  });

  it('learning rate 1e-6: the update ratio warns "too low"', async () => {
    const report = await run({ ...BASE, data: { source: 'moons' }, training: { ...BASE.training, optimizer: { type: 'adam', learningRate: 1e-6 } } });
    const ratio = check(report, 'updateRatio');
    assert.equal(ratio.status, 'warn', summary(report));
    assert.match(ratio.remedy, /learning rate too low/i);
    assert.ok(ratio.values.median! < 1e-4);
    const lr = check(report, 'lrRange');
    assert.equal(lr.status, 'warn', summary(report));
    assert.match(lr.remedy, /too low/i);
    assert.equal(lr.fix?.edits[0].pointer, '/training/optimizer/learningRate');
  });

  it('learning rate 5 with Adam: too high on the update ratio and past the range test\'s minimum', async () => {
    const report = await run({ ...BASE, data: { source: 'moons' }, training: { ...BASE.training, optimizer: { type: 'adam', learningRate: 5 } } }, undefined, ['updateRatio', 'lrRange']);
    assert.equal(check(report, 'updateRatio').status, 'warn', summary(report));
    assert.match(check(report, 'updateRatio').remedy, /too high/i);
    assert.notEqual(check(report, 'lrRange').status, 'pass', summary(report));
  });

  it('zeros initialisation of a deep ReLU net: cannot learn, weights still, units dead and identical', async () => {
    const report = await run({ ...BASE, data: { source: 'moons' },
      model: { hidden: [{ units: 16 }, { units: 16 }, { units: 16 }, { units: 8 }], init: 'zeros' } });
    assert.equal(report.status, 'fail');
    assert.equal(check(report, 'overfitTiny').status, 'fail', summary(report));
    assert.match(check(report, 'overfitTiny').remedy, /cannot learn/);
    assert.equal(check(report, 'updateRatio').status, 'fail', summary(report));
    assert.equal(check(report, 'deadUnits').status, 'fail', summary(report));
    assert.match(check(report, 'deadUnits').measured, /identical/);
    assert.equal(check(report, 'lrRange').status, 'fail', summary(report));
    assert.equal(check(report, 'gradientCheck').status, 'pass', 'backprop itself is right');
  });

  it('imbalanced classes: the initial loss warns and offers the prior output bias; with it, it passes', async () => {
    const rng = new Rng(4);
    const rows: number[][] = [];
    for (let i = 0; i < 500; i++) {
      const y = i % 10 === 0 ? 1 : 0;
      rows.push([rng.normal() + 2 * y, rng.normal(), y]);
    }
    const file = writeCsv(dir, 'imbalanced.csv', rows);
    const json = { ...BASE, data: { source: { csv: file, label: 'y' } } };
    const configPath = path.join(dir, 'imbalanced.nn.json');
    const report = await run(json, configPath, ['initialLoss']);
    const c = check(report, 'initialLoss');
    assert.equal(c.status, 'warn', summary(report));
    assert.match(c.remedy, /imbalanced/);
    assert.deepEqual(c.fix?.edits, [{ pointer: '/model/outputBias', value: 'prior' }]);
    const fixed = await run({ ...json, model: { ...BASE.model, outputBias: 'prior' } }, configPath, ['initialLoss']);
    const f = check(fixed, 'initialLoss');
    assert.equal(f.status, 'pass', summary(fixed));
    const entropy = -(0.1 * Math.log(0.1) + 0.9 * Math.log(0.9));
    assert.ok(Math.abs(f.values.expected! - entropy) < 0.01, `expected the prior's entropy ${entropy}, got ${f.values.expected}`);
    assert.ok(f.values.loss! < c.values.loss!, 'the prior bias lowers the initial loss');
  });

  it('regression targets far from 0: the initial loss warns, and the target-mean bias fixes it', async () => {
    const rng = new Rng(5);
    const rows = Array.from({ length: 400 }, () => {
      const a = rng.normal();
      const b = rng.normal();
      return [a, b, 50 + 2 * a - b + 0.1 * rng.normal()];
    });
    const file = writeCsv(dir, 'regression.csv', rows);
    const json = { ...BASE, data: { source: { csv: file, label: 'y', task: 'regression' } } };
    const configPath = path.join(dir, 'regression.nn.json');
    const c = check(await run(json, configPath, ['initialLoss']), 'initialLoss');
    assert.equal(c.status, 'warn');
    assert.equal(c.fix?.edits[0].value, 'prior');
    const f = check(await run({ ...json, model: { ...BASE.model, outputBias: 'prior' } }, configPath, ['initialLoss']), 'initialLoss');
    assert.equal(f.status, 'pass', f.measured);
  });

  it('large random initialisation: the initial loss warns with the init scale named', async () => {
    const report = await run({ ...BASE, data: { source: 'moons' }, model: { hidden: [{ units: 16 }], init: 'random', initScale: 10 } }, undefined, ['initialLoss', 'deadUnits']);
    const c = check(report, 'initialLoss');
    assert.equal(c.status, 'warn');
    assert.match(c.remedy, /initScale 10/);
  });

  it('saturated tanh units at a large initialisation: a warning, and a failure when nearly all are', async () => {
    const at = async (initScale: number): Promise<DiagnoseCheck> => check(await run({ ...BASE, data: { source: 'moons' },
      model: { hidden: [{ units: 16, activation: 'tanh' }], init: 'random', initScale } }, undefined, ['deadUnits']), 'deadUnits');
    assert.equal((await at(0.1)).status, 'pass');
    const some = await at(20);
    assert.equal(some.status, 'warn', some.measured);
    assert.match(some.remedy, /Saturated units/);
    const all = await at(1000);
    assert.equal(all.status, 'fail', all.measured);
  });

  it('regularisation adds its formula\'s penalty and raises the training loss (L2 and L1)', async () => {
    for (const regularization of [{ l2: 0.1, l1: 0 }, { l2: 0, l1: 0.05 }]) {
      const report = await run({ ...BASE, data: { source: 'moons' }, training: { ...BASE.training, regularization } }, undefined, ['regularization']);
      const c = check(report, 'regularization');
      assert.equal(c.status, 'pass', c.measured);
      assert.ok(Math.abs(c.values.penalty! - c.values.expectedPenalty!) < 1e-6 * c.values.expectedPenalty!);
      assert.ok(c.values.lossWith! > c.values.lossWithout!);
      assert.match(c.measured, regularization.l1 ? /^L1/ : /^L2/);
    }
  });

  it('runs only the checks asked for, in the canonical order, and reports progress before each', async () => {
    const seen: string[] = [];
    const report = await diagnose(resolveConfig({ ...BASE, data: { source: 'moons' } }), {
      checks: ['lrRange', 'initialLoss'], onProgress: (id, index, total) => seen.push(`${id} ${index}/${total}`),
    });
    assert.deepEqual(report.checks.map((c) => c.id), ['initialLoss', 'lrRange']);
    assert.deepEqual(seen, ['initialLoss 0/2', 'lrRange 1/2']);
    assert.ok(report.lrFind);
    const noLr = await diagnose(resolveConfig({ ...BASE, data: { source: 'moons' } }), { checks: ['initialLoss'] });
    assert.equal(noLr.lrFind, null);
  });
});
