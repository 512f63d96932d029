/** From the experiment's data block to train/dev/test: sources, splits, z-score, warnings. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../../src/engine/config/validate';
import { denseFeatures, type Dataset } from '../../src/engine/data';
import { prepareData } from '../../src/engine/train/prepare-data';
import { startSession } from '../../src/engine/run/session';
import type { EngineEvent } from '../../src/shared/protocol';

function csv(dir: string, name: string, rows: [number, number, string][]): string {
  fs.writeFileSync(path.join(dir, name), 'x1,x2,label\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
  return name;
}

function rows(n: number, fractionB: number, offset = 0): [number, number, string][] {
  return Array.from({ length: n }, (_, i) => [i + offset, (i * 7) % 13, i < n * fractionB ? 'b' : 'a']);
}

const dense = (ds: Dataset): Float64Array => denseFeatures(ds.x, ds.count, ds.features);

describe('data preparation', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-prep-'));
  });

  it('splits by ratio with a seeded shuffle, and fits the z-score on train only', () => {
    const config = resolveConfig({ seed: 4, data: { source: 'moons', samples: 500, split: { train: 0.6, dev: 0.2, test: 0.2 } } });
    const a = prepareData(config, dir);
    const b = prepareData(config, dir);
    assert.deepEqual([a.train.count, a.dev.count, a.test.count], [300, 100, 100]);
    assert.deepEqual(Array.from(dense(a.train)), Array.from(dense(b.train)), 'seeded');
    const mean = (ds: typeof a.train, j: number): number => {
      let s = 0;
      const x = dense(ds);
      for (let i = 0; i < ds.count; i++) s += x[i * ds.features + j];
      return s / ds.count;
    };
    assert.ok(Math.abs(mean(a.train, 0)) < 1e-12, 'train is centred');
    assert.ok(Math.abs(mean(a.dev, 0)) > 1e-6, 'dev is transformed with the train statistics, not its own');
    assert.equal(a.normalization!.mean.length, 2);
    const other = prepareData(resolveConfig({ seed: 5, data: { source: 'moons', samples: 500 } }), dir);
    assert.notDeepEqual(Array.from(dense(other.train).subarray(0, 10)), Array.from(dense(a.train).subarray(0, 10)));
  });

  it('takes dev and test from their own sources, mapping classes by name', () => {
    const config = resolveConfig({
      data: {
        source: { csv: csv(dir, 'train.csv', rows(60, 0.5)) },
        dev: { csv: csv(dir, 'dev.csv', rows(20, 0.5, 100)) },
        test: { csv: csv(dir, 'test.csv', rows(20, 0.5, 200)) },
        split: { train: 1, dev: 0, test: 0 },
        normalize: 'none',
      },
    }, path.join(dir, 'x.nn.json'));
    const d = prepareData(config, dir);
    assert.deepEqual([d.train.count, d.dev.count, d.test.count], [60, 20, 20]);
    assert.deepEqual(d.dev.classes, d.train.classes);
    assert.deepEqual(d.warnings, []);
  });

  it('with dev from its own source and the default split, all of the training file trains (no silent test carve)', () => {
    const config = resolveConfig({
      data: { source: { csv: csv(dir, 'train.csv', rows(60, 0.5)) }, dev: { csv: csv(dir, 'dev.csv', rows(20, 0.5, 100)) }, normalize: 'none' },
    }, path.join(dir, 'x.nn.json'));
    const d = prepareData(config, dir);
    assert.deepEqual([d.train.count, d.dev.count, d.test.count], [60, 20, 0]);
    assert.deepEqual(d.provenance, {
      train: 'all 60 rows of train.csv', dev: 'all 20 rows of dev.csv', test: 'none (no test source, data.split.test 0)',
    });
  });

  it('with dev from its own source, an explicit test ratio is still carved from the training file', () => {
    const config = resolveConfig({
      data: { source: { csv: csv(dir, 'train.csv', rows(60, 0.5)) }, dev: { csv: csv(dir, 'dev.csv', rows(20, 0.5, 100)) }, split: { test: 0.2 }, normalize: 'none' },
    }, path.join(dir, 'x.nn.json'));
    const d = prepareData(config, dir);
    assert.deepEqual([d.train.count, d.dev.count, d.test.count], [48, 20, 12]);
    assert.equal(d.provenance.train, '48 of the 60 rows of train.csv');
    assert.equal(d.provenance.test, '12 of the 60 rows of train.csv');
  });

  it('with only test from its own source, dev is not carved unless asked; with test from its own source, a split that leaves no training rows is an error', () => {
    const config = resolveConfig({
      data: { source: { csv: csv(dir, 'train.csv', rows(60, 0.5)) }, test: { csv: csv(dir, 'test.csv', rows(20, 0.5, 200)) }, normalize: 'none' },
    }, path.join(dir, 'x.nn.json'));
    const d = prepareData(config, dir);
    assert.deepEqual([d.train.count, d.dev.count, d.test.count], [60, 0, 20]);
    assert.match(d.warnings.join(' '), /No dev set/);
    assert.throws(() => resolveConfig({
      data: { source: { csv: 'train.csv' }, test: { csv: 'test.csv' }, split: { dev: 1 } },
    }), /leaving nothing to train on/);
  });

  it('the run info says which rows went where', async () => {
    const file = path.join(dir, 'x.nn.json');
    fs.writeFileSync(file, JSON.stringify({
      data: { source: { csv: csv(dir, 'train.csv', rows(60, 0.5)) }, dev: { csv: csv(dir, 'dev.csv', rows(20, 0.5, 100)) }, normalize: 'none' },
      training: { epochs: 1 },
    }));
    const events: EngineEvent[] = [];
    const session = await startSession({ configPath: file, runDir: path.join(dir, 'run') }, { iteration: () => undefined, emit: (e) => events.push(e) });
    session.folder.close();
    session.setup.backend.dispose();
    const info = events.find((e) => e.type === 'runInfo');
    assert.ok(info && info.type === 'runInfo');
    assert.equal(info.info.rows?.train, 'all 60 rows of train.csv');
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'run', 'run.json'), 'utf8')) as { rows: { test: string } };
    assert.match(saved.rows.test, /^none/);
  });

  it('warns when dev and test label distributions clearly differ', async () => {
    const file = path.join(dir, 'mismatch.nn.json');
    fs.writeFileSync(file, JSON.stringify({
      data: {
        source: { csv: csv(dir, 'train.csv', rows(200, 0.5)) },
        dev: { csv: csv(dir, 'dev.csv', rows(200, 0.1, 1000)) },
        test: { csv: csv(dir, 'test.csv', rows(200, 0.9, 2000)) },
        split: { train: 1, dev: 0, test: 0 },
      },
      training: { epochs: 1, backend: 'ts' },
    }));
    const events: EngineEvent[] = [];
    const session = await startSession({ configPath: file, runDir: path.join(dir, 'run') }, { iteration: () => undefined, emit: (e) => events.push(e) });
    await session.trainer.run();
    session.folder.close();
    const flag = events.find((e) => e.type === 'flag' && e.flag.kind === 'distributionMismatch');
    assert.ok(flag, 'a distributionMismatch flag');
    assert.match(fs.readFileSync(path.join(dir, 'run', 'events.jsonl'), 'utf8'), /distributionMismatch/);
  });

  it('stores the normalisation with the model', async () => {
    const events: EngineEvent[] = [];
    const session = await startSession({ config: { data: { source: 'gaussian', samples: 100 }, training: { epochs: 1, backend: 'ts' } }, runDir: path.join(dir, 'm') }, { iteration: () => undefined, emit: (e) => events.push(e) });
    await session.trainer.run();
    session.folder.close();
    const model = JSON.parse(fs.readFileSync(path.join(dir, 'm', 'model.json'), 'utf8')) as { normalization: { mean: number[]; std: number[] }; format: string };
    assert.equal(model.format, 'gradient-lab-model');
    assert.deepEqual(model.normalization.mean, session.setup.data.normalization!.mean);
  });

  it('augments training batches only: evaluation of the same weights is unchanged', async () => {
    const base = { seed: 9, data: { source: 'moons', samples: 200, augment: { jitter: 0.3 } }, training: { epochs: 2, backend: 'ts' } };
    const session = await startSession({ config: base, runDir: path.join(dir, 'aug') }, { iteration: () => undefined, emit: () => undefined });
    const plain = await startSession({ config: { ...base, data: { source: 'moons', samples: 200 } }, runDir: path.join(dir, 'plain') }, { iteration: () => undefined, emit: () => undefined });
    assert.deepEqual(Array.from(dense(session.setup.data.dev)), Array.from(dense(plain.setup.data.dev)), 'dev data is not augmented');
    const a = await session.trainer.run();
    const b = await plain.trainer.run();
    session.folder.close();
    plain.folder.close();
    assert.notEqual(a.final!.trainCost, b.final!.trainCost, 'training saw jittered batches');
  });
});
