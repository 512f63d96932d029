import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExperimentConfig } from '../../../src/shared/config';
import { ConfigError, type ConfigIssue } from '../../../src/engine/config/errors';
import {
  checkConfig,
  checkConfigText,
  loadExperiment,
  resolveConfig,
  resolveConfigText,
} from '../../../src/engine/config/validate';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');

/** Written by hand from the SPEC and the brief: the full config a minimal file resolves to. */
const EXPECTED_MINIMAL: ExperimentConfig = {
  name: 'experiment',
  seed: 1,
  data: {
    source: 'moons',
    samples: 1000,
    noise: 0.2,
    split: { train: 0.6, dev: 0.2, test: 0.2, stratify: true },
    normalize: 'zscore',
    augment: { jitter: 0, shift: 0, rotate: 0 },
  },
  model: {
    hidden: [{ units: 16, activation: 'relu', keepProb: 1, batchNorm: false }],
    output: 'auto',
    init: 'he',
    outputBias: 'zero',
    initScale: 0.01,
    leakyReluSlope: 0.01,
    batchNormMomentum: 0.9,
    batchNormEpsilon: 1e-5,
  },
  training: {
    epochs: 100,
    batchSize: 64,
    optimizer: { type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    lrDecay: { type: 'none' },
    clipNorm: 0,
    regularization: { l2: 0, l1: 0 },
    earlyStopping: { enabled: false, monitor: 'devLoss', patience: 20, minDelta: 0, restoreBest: true },
    dtype: 'float32',
    backend: 'auto',
    threads: 0,
    checkpointEvery: 1,
    overfitBatch: { iterations: 300, relativeCost: 0.01 },
  },
  diagnostics: {
    humanLevelError: 'auto',
    layerStatsEvery: 10,
    gradientCheck: { epsilon: 1e-7, maxEntriesPerTensor: 64, batchSize: 64 },
    snapshotEvery: 5,
    trainEvalRows: 2000,
  },
};

function issuesOf(fn: () => unknown): ConfigIssue[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e.issues;
  }
  assert.fail('expected a ConfigError');
}

function withSource(extra: Record<string, unknown>): Record<string, unknown> {
  return { data: { source: 'moons' }, ...extra };
}

describe('config/validate', () => {
  describe('defaults', () => {
    it('fills a minimal file to exactly the expected full config', () => {
      assert.deepEqual(resolveConfig({ data: { source: 'moons' } }), EXPECTED_MINIMAL);
    });

    it('does not modify its input and returns fresh objects each time', () => {
      const input = { data: { source: 'moons' } };
      const a = resolveConfig(input);
      assert.deepEqual(input, { data: { source: 'moons' } });
      a.model.hidden[0].units = 99;
      assert.equal(resolveConfig(input).model.hidden[0].units, 16);
    });

    it('fills the per-type defaults of each optimizer and nothing of the others', () => {
      const opt = (o: object) => resolveConfig(withSource({ training: { optimizer: o } })).training.optimizer;
      assert.deepEqual(opt({ type: 'gd' }), { type: 'gd', learningRate: 0.001 });
      assert.deepEqual(opt({ type: 'momentum', learningRate: 0.1 }), { type: 'momentum', learningRate: 0.1, beta: 0.9 });
      assert.deepEqual(opt({ type: 'rmsprop' }), { type: 'rmsprop', learningRate: 0.001, beta2: 0.9, epsilon: 1e-8 });
      assert.deepEqual(opt({ type: 'adam', beta2: 0.99 }), {
        type: 'adam',
        learningRate: 0.001,
        beta1: 0.9,
        beta2: 0.99,
        epsilon: 1e-8,
      });
      assert.deepEqual(opt({ learningRate: 0.01 }), {
        type: 'adam',
        learningRate: 0.01,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
      });
    });

    it('fills the per-type defaults of each learning-rate decay', () => {
      const decay = (d: object) => resolveConfig(withSource({ training: { lrDecay: d } })).training.lrDecay;
      assert.deepEqual(decay({ type: 'none' }), { type: 'none' });
      assert.deepEqual(decay({ type: 'inverseTime' }), { type: 'inverseTime', rate: 1, every: 1 });
      assert.deepEqual(decay({ type: 'exponential' }), { type: 'exponential', rate: 0.95 });
      assert.deepEqual(decay({ type: 'sqrt' }), { type: 'sqrt', k: 1 });
      assert.deepEqual(decay({ type: 'step', every: 5 }), { type: 'step', rate: 0.5, every: 5 });
      assert.deepEqual(decay({ type: 'reduceOnPlateau' }),
        { type: 'reduceOnPlateau', monitor: 'devLoss', factor: 0.1, patience: 10, minDelta: 1e-4, cooldown: 0, minLr: 0 });
      assert.deepEqual(decay({ type: 'warmupCosine' }), { type: 'warmupCosine', warmup: 1, warmupUnit: 'epochs', minLr: 0 });
      assert.deepEqual(decay({ type: 'oneCycle' }), { type: 'oneCycle', div: 25, finalDiv: 1e5, pctStart: 0.25 });
    });

    it('rejects bad schedule and clipping values with located errors', () => {
      const text = (training: object): string => JSON.stringify({ data: { source: 'moons' }, training }, null, 1);
      const located = (training: object): [string, string, number | undefined][] => {
        const t = text(training);
        return issuesOf(() => resolveConfigText(t)).map((i) => [i.path, i.message, i.line]);
      };
      const plateau = located({ lrDecay: { type: 'reduceOnPlateau', factor: -0.5, patience: 0, cooldown: 1.5 } });
      assert.deepEqual(plateau.map(([p, m]) => [p, m]), [
        ['/training/lrDecay/factor', 'must be > 0'],
        ['/training/lrDecay/patience', 'must be >= 1'],
        ['/training/lrDecay/cooldown', 'must be an integer (got 1.5)'],
      ]);
      assert.ok(plateau.every(([, , line]) => typeof line === 'number' && line > 1), 'each issue has its line');
      assert.deepEqual(located({ lrDecay: { type: 'reduceOnPlateau', factor: 1 } }).map(([p, m]) => [p, m]), [['/training/lrDecay/factor', 'must be < 1']]);
      assert.deepEqual(located({ lrDecay: { type: 'oneCycle', pctStart: 1.2, div: 0.5 } }).map(([p]) => p), ['/training/lrDecay/pctStart', '/training/lrDecay/div']);
      assert.deepEqual(located({ clipNorm: -1 }).map(([p, m]) => [p, m]), [['/training/clipNorm', 'must be >= 0']]);
      assert.deepEqual(located({ lrDecay: { type: 'warmupCosine', minLr: -1 } }).map(([p, m]) => [p, m]), [['/training/lrDecay/minLr', 'must be >= 0']]);
      const other = located({ lrDecay: { type: 'oneCycle', minLr: 0.1 } });
      assert.deepEqual(other.map(([p, m]) => [p, m]), [['/training/lrDecay/minLr', 'field "minLr" does not apply to lrDecay type "oneCycle" (it takes "div", "finalDiv", "pctStart")']]);
    });

    it('checks that a schedule can act in this experiment', () => {
      const semantic = (training: object, data: object = { source: 'moons' }): [string, string][] =>
        issuesOf(() => resolveConfig({ data, training })).map((i) => [i.path, i.message]);
      assert.deepEqual(semantic({ lrDecay: { type: 'reduceOnPlateau' } }, { source: 'moons', split: { train: 0.9, dev: 0, test: 0.1 } }), [
        ['/training/lrDecay/monitor', 'reduceOnPlateau monitors "devLoss" but there is no dev set (data.split.dev is 0); give the dev split a share or monitor "trainLoss"'],
      ]);
      assert.match(semantic({ optimizer: { type: 'gd', learningRate: 0.01 }, lrDecay: { type: 'warmupCosine', minLr: 0.05 } })[0][1], /minLr 0.05 is not below the learning rate 0.01/);
      assert.match(semantic({ epochs: 5, lrDecay: { type: 'warmupCosine', warmup: 5 } })[0][1], /warmup of 5 epochs leaves no room/);
      assert.match(semantic({ lrDecay: { type: 'warmupCosine', warmup: 2.5, warmupUnit: 'iterations' } })[0][1], /must be a whole number/);
      assert.doesNotThrow(() => resolveConfig({ data: { source: 'moons' }, training: { epochs: 5, clipNorm: 1, lrDecay: { type: 'warmupCosine', warmup: 0.5 } } }));
    });

    it('fills hidden-layer defaults per layer', () => {
      const c = resolveConfig(withSource({ model: { hidden: [{ units: 8 }, { units: 4, activation: 'tanh', keepProb: 0.5 }] } }));
      assert.deepEqual(c.model.hidden, [
        { units: 8, activation: 'relu', keepProb: 1, batchNorm: false },
        { units: 4, activation: 'tanh', keepProb: 0.5, batchNorm: false },
      ]);
      assert.deepEqual(resolveConfig(withSource({ model: { hidden: [] } })).model.hidden, []);
    });

    it('fills csv options and the search block defaults', () => {
      const c = resolveConfig({
        data: { source: { csv: 'train.csv' }, dev: { idx: { images: 'a', labels: 'b' } } },
        search: { space: { 'training.optimizer.learningRate': { log: [1e-4, 0.1] } } },
      });
      assert.deepEqual(c.data.source, { csv: 'train.csv', label: -1, header: 'auto', task: 'auto' });
      assert.deepEqual(c.data.dev, { idx: { images: 'a', labels: 'b' } });
      assert.equal(c.data.test, undefined);
      assert.deepEqual(c.search, {
        space: { 'training.optimizer.learningRate': { log: [1e-4, 0.1] } },
        trials: 20,
        parallel: 0,
        metric: 'devError',
        mode: 'min',
        rounds: 1,
        keepTop: 5,
        earlyTermination: { type: 'none', graceEpochs: 5, eta: 3 },
      });
    });

    it('accepts and drops a "$schema" field', () => {
      const c = resolveConfig({ $schema: '../schema/nn.schema.json', data: { source: 'moons' } });
      assert.deepEqual(c, EXPECTED_MINIMAL);
    });
  });

  describe('errors', () => {
    it('names an unknown field by its own path, with line and column', () => {
      const text = '{\n  "data": { "source": "moons" },\n  "training": {\n    "epochz": 10\n  }\n}\n';
      const issues = issuesOf(() => resolveConfigText(text, 'x.nn.json'));
      assert.equal(issues.length, 1);
      assert.equal(issues[0].path, '/training/epochz');
      assert.match(issues[0].message, /unknown field "epochz"; did you mean "epochs"\?/);
      assert.equal(issues[0].line, 4);
      assert.equal(issues[0].column, 5);
      assert.equal(issues[0].kind, 'schema');
    });

    it('formats the message as file:line:column /path: message', () => {
      const text = '{\n  "data": {"source": "moons"},\n  "training": {\n    "optimizer": {\n      "learningRate": 0\n    }\n  }\n}';
      try {
        resolveConfigText(text, 'examples/x.nn.json');
        assert.fail('expected an error');
      } catch (e) {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.message, 'examples/x.nn.json:5:7 /training/optimizer/learningRate: must be > 0');
        assert.equal(e.file, 'examples/x.nn.json');
      }
    });

    it('rejects a learning rate ≤ 0', () => {
      for (const lr of [0, -0.1]) {
        const issues = issuesOf(() => resolveConfig(withSource({ training: { optimizer: { learningRate: lr } } })));
        assert.deepEqual(
          issues.map((i) => [i.path, i.message]),
          [['/training/optimizer/learningRate', 'must be > 0']],
        );
      }
    });

    it('reports a wrong type', () => {
      const issues = issuesOf(() => resolveConfig(withSource({ training: { epochs: '10' } })));
      assert.deepEqual(issues.map((i) => [i.path, i.message]), [['/training/epochs', 'must be an integer (got the string "10")']]);
      const frac = issuesOf(() => resolveConfig(withSource({ training: { epochs: 2.5 } })));
      assert.equal(frac[0].message, 'must be an integer (got 2.5)');
    });

    it('reports a bad enum value with the allowed values', () => {
      const issues = issuesOf(() => resolveConfig(withSource({ model: { init: 'kaiming' } })));
      assert.equal(issues.length, 1);
      assert.equal(issues[0].path, '/model/init');
      assert.equal(issues[0].message, 'must be one of "zeros", "random", "xavier", "he" (got the string "kaiming")');
      const act = issuesOf(() => resolveConfig(withSource({ model: { hidden: [{ units: 3, activation: 'Relu' }] } })));
      assert.equal(act[0].path, '/model/hidden/0/activation');
      assert.match(act[0].message, /did you mean "relu"\?/);
    });

    it('collapses data.source oneOf failures into one clear message', () => {
      const bad = issuesOf(() => resolveConfig({ data: { source: 'moon' } }));
      assert.equal(bad.length, 1);
      assert.equal(bad[0].path, '/data/source');
      assert.match(bad[0].message, /^unknown data source "moon"; did you mean "moons"\?; expected a data set name \("moons"/);
      assert.match(bad[0].message, /\{"csv": "file\.csv"/);
      assert.match(bad[0].message, /\{"idx": \{"images"/);

      const obj = issuesOf(() => resolveConfig({ data: { source: { file: 'x.csv' } } }));
      assert.equal(obj.length, 1);
      assert.match(obj[0].message, /needs a "csv" or an "idx" field/);

      const num = issuesOf(() => resolveConfig({ data: { source: 3 } }));
      assert.equal(num.length, 1);
      assert.match(num[0].message, /^must be a data set name/);

      // A csv source with a bad option reports that option only.
      const csv = issuesOf(() => resolveConfig({ data: { source: { csv: 'a.csv', labl: 'y' } } }));
      assert.deepEqual(csv.map((i) => [i.path, i.message]), [['/data/source/labl', 'unknown field "labl"; did you mean "label"?']]);
      const idx = issuesOf(() => resolveConfig({ data: { source: { idx: { images: 'a' } } } }));
      assert.deepEqual(idx.map((i) => [i.path, i.message]), [['/data/source/idx', 'missing required field "labels"']]);
    });

    it('reports a missing data.source at its parent', () => {
      const issues = issuesOf(() => resolveConfigText('{\n  "data": {}\n}'));
      assert.deepEqual(issues.map((i) => [i.path, i.message, i.line, i.column]), [['/data', 'missing required field "source"', 2, 3]]);
      const root = issuesOf(() => resolveConfig({}));
      assert.deepEqual(root.map((i) => [i.path, i.message]), [['', 'missing required field "data"']]);
    });

    it('says which fields an optimizer type does not take', () => {
      const issues = issuesOf(() => resolveConfig(withSource({ training: { optimizer: { type: 'gd', beta1: 0.9 } } })));
      assert.deepEqual(issues.map((i) => [i.path, i.message]), [
        ['/training/optimizer/beta1', 'field "beta1" does not apply to optimizer type "gd" (it takes "learningRate")'],
      ]);
      const decay = issuesOf(() => resolveConfig(withSource({ training: { lrDecay: { type: 'exponential', rate: 2 } } })));
      assert.deepEqual(decay.map((i) => [i.path, i.message]), [['/training/lrDecay/rate', 'must be <= 1']]);
    });

    it('treats a missing type as the default type', () => {
      const opt = issuesOf(() => resolveConfig(withSource({ training: { optimizer: { beta: 0.9 } } })));
      assert.deepEqual(opt.map((i) => i.path), ['/training/optimizer/beta']);
      assert.match(opt[0].message, /does not apply to optimizer type "adam" \(it takes "learningRate", "beta1", "beta2", "epsilon"\)/);
      const decay = issuesOf(() => resolveConfig(withSource({ training: { lrDecay: { rate: 0.5 } } })));
      assert.deepEqual(decay.map((i) => [i.path, i.message]), [
        ['/training/lrDecay/rate', 'field "rate" does not apply to lrDecay type "none" (it takes no other fields)'],
      ]);
    });

    it('resolveConfig locates issues when given the source text', () => {
      const text = '{\n  "data": {"source": "moons"},\n  "seed": -1\n}';
      const issues = issuesOf(() => resolveConfig(JSON.parse(text), 'a.nn.json', text));
      assert.deepEqual(issues.map((i) => [i.path, i.line, i.column]), [['/seed', 3, 3]]);
      const bare = issuesOf(() => resolveConfig(JSON.parse(text)));
      assert.equal(bare[0].line, undefined);
    });

    it('checks the other bounds', () => {
      const cases: [Record<string, unknown>, string, string][] = [
        [{ model: { hidden: [{ units: 4, keepProb: 0 }] } }, '/model/hidden/0/keepProb', 'must be > 0'],
        [{ model: { hidden: [{ units: 4, keepProb: 1.5 }] } }, '/model/hidden/0/keepProb', 'must be <= 1'],
        [{ model: { hidden: [{ units: 0 }] } }, '/model/hidden/0/units', 'must be >= 1'],
        [{ training: { optimizer: { beta1: 1 } } }, '/training/optimizer/beta1', 'must be < 1'],
        [{ training: { epochs: 0 } }, '/training/epochs', 'must be >= 1'],
        [{ training: { batchSize: -1 } }, '/training/batchSize', 'must be >= 0'],
        [{ data: { source: 'moons', split: { train: 1.2, dev: 0, test: 0 } } }, '/data/split/train', 'must be <= 1'],
      ];
      for (const [json, path, message] of cases) {
        const issues = issuesOf(() => resolveConfig({ data: { source: 'moons' }, ...json }));
        assert.deepEqual(issues.map((i) => [i.path, i.message]), [[path, message]], JSON.stringify(json));
      }
    });

    it('reports JSON syntax errors with line and column', () => {
      const text = '{\n  "data": { "source": "moons" },\n  "training": { "epochs": 10 "batchSize": 32 }\n}';
      const issues = issuesOf(() => resolveConfigText(text, 'x.nn.json'));
      assert.equal(issues.length, 1);
      assert.equal(issues[0].kind, 'syntax');
      assert.equal(issues[0].line, 3);
      assert.equal(issues[0].column, 30);
      assert.match(issues[0].message, /expected ',' or '}'/);
      try {
        resolveConfigText(text, 'x.nn.json');
      } catch (e) {
        assert.match((e as Error).message, /^x\.nn\.json:3:30 JSON syntax error: expected ','/);
      }
      const trailing = issuesOf(() => resolveConfigText('{"data": {"source": "moons",}}'));
      assert.deepEqual([trailing[0].line, trailing[0].column], [1, 29]);
      const empty = issuesOf(() => resolveConfigText('  \n'));
      assert.match(empty[0].message, /empty/);
    });

    it('reports duplicate keys', () => {
      const issues = issuesOf(() => resolveConfigText('{"data": {"source": "moons"},\n "seed": 1,\n "seed": 2}'));
      assert.deepEqual(issues.map((i) => [i.path, i.line, i.column]), [['/seed', 3, 2]]);
      assert.match(issues[0].message, /duplicate key "seed"/);
    });

    it('accepts comments (JSONC)', () => {
      const c = resolveConfigText('// quick start\n{"data": {"source": "moons" /* 2-D */}}');
      assert.equal(c.data.source, 'moons');
    });

    it('lists several issues, in document order', () => {
      const text = '{\n  "model": {"init": "x"},\n  "data": {"source": "moons", "noise": -1}\n}';
      const issues = issuesOf(() => resolveConfigText(text));
      assert.deepEqual(issues.map((i) => i.path), ['/model/init', '/data/noise']);
      assert.deepEqual(issues.map((i) => i.line), [2, 3]);
    });

    it('checkConfig/checkConfigText do not throw', () => {
      const bad = checkConfig({ data: {} });
      assert.equal(bad.ok, false);
      const good = checkConfigText('{"data": {"source": "xor"}}');
      assert.ok(good.ok);
      assert.equal(good.config.data.source, 'xor');
    });
  });

  describe('semantic checks', () => {
    it('requires split ratios to sum to 1 and says which were defaults', () => {
      const issues = issuesOf(() => resolveConfig({ data: { source: 'moons', split: { train: 0.8 } } }));
      assert.deepEqual(issues.map((i) => [i.path, i.kind]), [['/data/split', 'semantic']]);
      assert.match(issues[0].message, /train 0\.8 \+ dev 0\.2 \(default\) \+ test 0\.2 \(default\) = 1\.2/);
      // Rounding noise is fine; separate dev/test sources skip the check.
      resolveConfig({ data: { source: 'moons', split: { train: 0.7, dev: 0.2, test: 0.1 } } });
      resolveConfig({ data: { source: 'moons', split: { train: 0.98, dev: 0.01, test: 0.01 } } });
      resolveConfig({ data: { source: 'digits', split: { train: 0.9 }, dev: { csv: 'dev.csv' } } });
    });

    it('rejects early stopping on the dev set when there is none', () => {
      const issues = issuesOf(() =>
        resolveConfig({
          data: { source: 'moons', split: { train: 0.8, dev: 0, test: 0.2 } },
          training: { earlyStopping: { enabled: true } },
        }),
      );
      assert.deepEqual(issues.map((i) => i.path), ['/training/earlyStopping/monitor']);
    });

    it('names a bad search path and suggests the right one', () => {
      const text = JSON.stringify(
        withSource({ search: { space: { 'training.optimizer.learningrate': { log: [1e-4, 0.1] } } } }),
        null,
        2,
      );
      const issues = issuesOf(() => resolveConfigText(text));
      assert.equal(issues.length, 1);
      assert.equal(issues[0].path, '/search/space/training.optimizer.learningrate');
      assert.equal(
        issues[0].message,
        'unknown config path "training.optimizer.learningrate"; did you mean "training.optimizer.learningRate"?',
      );
      assert.equal(issues[0].line, 7);
    });

    it('checks search entries against the experiment', () => {
      const search = (space: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
        issuesOf(() => resolveConfig(withSource({ search: { space, ...extra } })));
      const one = (space: Record<string, unknown>): string => {
        const issues = search(space);
        assert.equal(issues.length, 1, JSON.stringify(issues));
        return issues[0].message;
      };
      assert.match(one({ 'model.hidden[2].units': { int: [1, 4] } }), /"model\.hidden\[2\]" does not exist: "model\.hidden" has 1 element/);
      assert.match(one({ 'model.hidden[*].units': { log: [1, 100] } }), /is an integer; use \{"int"/);
      assert.match(one({ 'training.optimizer.learningRate': { log: [0.1, 1e-4] } }), /reversed: low 0.1 > high 0.0001/);
      assert.match(one({ 'training.optimizer.beta': { uniform: [0.8, 0.9] } }), /does not apply to optimizer type "adam"/);
      assert.match(one({ 'model.hidden[0].keepProb': { uniform: [0, 1] } }), /the value 0 for "model\.hidden\[0\]\.keepProb" would be invalid .*must be > 0/);
      assert.match(one({ 'model.hidden[*].activation': { choice: ['relu', 'tan'] } }), /"tan".*did you mean "tanh"/);
      assert.match(one({ 'search.trials': { int: [1, 4] } }), /cannot search over itself/);
      assert.match(one({ 'model..units': { int: [1, 4] } }), /bad search path/);
      assert.match(one({ 'training.optimizer.beta1': { oneMinusLog: [0.9, 1] } }), /must be < 1/);
      assert.match(one({ 'training.optimizer.learningRate': { log: [0, 0.1] } }), /must be > 0/);
      assert.match(one({ x: { lg: [1, 2] } }), /unknown distribution "lg"; did you mean "log"\?/);
      const mode = search({ 'training.optimizer.learningRate': { log: [1e-4, 0.1] } }, { mode: 'max' });
      assert.deepEqual(mode.map((i) => i.path), ['/search/mode']);
    });

    it('checks that asha / hyperband rungs fit inside a trial', () => {
      const rule = (earlyTermination: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
        issuesOf(() => resolveConfig(withSource({ training: { epochs: 30 }, search: { space: { 'training.optimizer.learningRate': { log: [1e-4, 0.1] } }, earlyTermination, ...extra } })));
      const ok = resolveConfig(withSource({ training: { epochs: 30 }, search: { space: { 'training.optimizer.learningRate': { log: [1e-4, 0.1] } }, earlyTermination: { type: 'hyperband', minEpochs: 3, brackets: 3 } } }));
      assert.deepEqual(ok.search!.earlyTermination, { type: 'hyperband', graceEpochs: 5, eta: 3, minEpochs: 3, brackets: 3 });
      const one = (issues: ConfigIssue[]): ConfigIssue => {
        assert.equal(issues.length, 1, JSON.stringify(issues));
        return issues[0];
      };
      const tooMany = one(rule({ type: 'hyperband', minEpochs: 3, brackets: 4 }));
      assert.equal(tooMany.path, '/search/earlyTermination/brackets');
      assert.match(tooMany.message, /hyperband with minEpochs 3, 30 epochs and eta 3 has at most 3 brackets/);
      assert.match(one(rule({ type: 'asha', brackets: 2 })).message, /applies to "hyperband" only/);
      const late = one(rule({ type: 'asha', minEpochs: 10 }, { epochsPerTrial: 10 }));
      assert.equal(late.path, '/search/earlyTermination/minEpochs');
      assert.match(late.message, /asha never decides anything: minEpochs 10 is not below the 10 epochs of a trial/);
      assert.equal(one(rule({ type: 'asha', graceEpochs: 40 })).path, '/search/earlyTermination/graceEpochs');
      assert.match(one(rule({ type: 'asha', maxEpochs: 31 })).message, /maxEpochs 31 is more than the 30 epochs of a trial/);
      assert.equal(one(rule({ type: 'asha', eta: 1 })).path, '/search/earlyTermination/eta');
      // The asha fields mean nothing to the median rule.
      assert.doesNotThrow(() => resolveConfig(withSource({ search: { space: { 'training.optimizer.learningRate': { log: [1e-4, 0.1] } }, earlyTermination: { type: 'median', minEpochs: 100 } } })));
    });

    it('accepts a good search block', () => {
      const c = resolveConfig(
        withSource({
          model: { hidden: [{ units: 8 }, { units: 8 }] },
          search: {
            space: {
              'training.optimizer.learningRate': { log: [1e-4, 0.1] },
              'training.optimizer.beta1': { oneMinusLog: [0.9, 0.999] },
              'model.hidden[*].units': { int: [4, 64] },
              'model.hidden[1].keepProb': { uniform: [0.5, 1] },
              'model.hidden[0].activation': { choice: ['relu', 'tanh'] },
            },
          },
        }),
      );
      assert.equal(Object.keys(c.search!.space).length, 5);
    });
  });

  describe('files', () => {
    it('every example validates', () => {
      const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.nn.json'));
      assert.ok(files.length >= 13, `found only ${files.length} examples`);
      const names = new Set<string>();
      for (const f of files) {
        const config = loadExperiment(join(EXAMPLES, f));
        assert.ok(config.name && config.name !== 'experiment', `${f} has no name`);
        assert.ok(!names.has(config.name), `${f}: name ${config.name} is used twice`);
        names.add(config.name);
        // The raw file sets a name explicitly.
        assert.ok((JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')) as { name?: string }).name);
      }
    });

    it('the course-lesson examples are what the lessons need', () => {
      const load = (f: string) => loadExperiment(join(EXAMPLES, f));
      for (const v of ['zeros', 'random', 'he']) {
        const c = load(`initialization.${v}.nn.json`);
        assert.equal(c.model.init, v);
        assert.deepEqual(c.model.hidden.map((h) => [h.units, h.activation]), [[10, 'relu'], [5, 'relu']]);
        assert.equal(c.training.batchSize, 0);
        assert.deepEqual(c.training.optimizer, { type: 'gd', learningRate: 0.01 });
      }
      assert.equal(load('initialization.random.nn.json').model.initScale, 10);
      assert.equal(load('regularization.l2.nn.json').training.regularization.l2, 0.7);
      assert.ok(load('regularization.dropout.nn.json').model.hidden.every((h) => h.keepProb === 0.7));
      for (const v of ['gd', 'momentum', 'adam']) {
        const c = load(`optimizers.${v}.nn.json`);
        assert.equal(c.training.optimizer.type, v);
        assert.equal(c.training.optimizer.learningRate, 0.0007);
        assert.deepEqual(c.model.hidden.map((h) => h.units), [5, 2]);
      }
      const g = load('gradcheck.all-layers.nn.json');
      assert.equal(g.training.dtype, 'float64');
      const acts = new Set(g.model.hidden.map((h) => h.activation));
      for (const a of ['relu', 'leakyRelu', 'tanh', 'sigmoid']) assert.ok(acts.has(a as never), a);
      assert.ok(g.model.hidden.some((h) => h.batchNorm));
      assert.ok(g.model.hidden.some((h) => h.keepProb < 1));
      assert.ok(g.training.regularization.l1 > 0 && g.training.regularization.l2 > 0);
      assert.ok(load('search.moons.nn.json').search);
    });

    it('loadExperiment reports the file name and positions', () => {
      const dir = mkdtempSync(join(tmpdir(), 'gl-config-'));
      try {
        const file = join(dir, 'bad.nn.json');
        writeFileSync(file, '{\n  "data": {"source": "moons"},\n  "model": {"init": "kaiming"}\n}\n');
        try {
          loadExperiment(file);
          assert.fail('expected an error');
        } catch (e) {
          assert.ok(e instanceof ConfigError);
          assert.ok(e.message.startsWith(`${file}:3:13 /model/init: must be one of`), e.message);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

describe('config: an experiment that names a Python script (engine.python)', () => {
  const issuesOf = (text: string): [string, string][] => {
    const r = checkConfigText(text);
    return r.ok ? [] : r.issues.map((i) => [i.path, i.message]);
  };

  it('needs no data, and the engine refuses it with what to do instead', () => {
    const [[where, message]] = issuesOf('{"engine": {"python": "train.py", "args": ["--epochs", "3"], "torchrun": {"nprocPerNode": 2}}}');
    assert.equal(where, '/engine');
    assert.match(message, /trains a Python script.*▶ Train/);
  });

  it('is checked by the schema: a .py file, known fields, at least one rank', () => {
    assert.deepEqual(issuesOf('{"engine": {"python": "train.txt"}}'), [['/engine/python', 'must match pattern "\\.py$"']]);
    assert.equal(issuesOf('{"engine": {"python": "a.py", "torchrun": {"nprocPerNode": 0}}}')[0][0], '/engine/torchrun/nprocPerNode');
    assert.equal(issuesOf('{"engine": {"python": "a.py", "interpeter": "python3"}}')[0][0], '/engine/interpeter');
  });

  it('without engine, data is still required', () => {
    assert.deepEqual(issuesOf('{"name": "x"}'), [['', 'missing required field "data"']]);
  });
});
