/**
 * The training rows an epoch is measured on (diagnostics.trainEvalRows): a fixed, seeded sample of
 * max(trainEvalRows, dev rows), the same every epoch; training itself draws exactly what it drew
 * without it; 0 (or a small set) measures every row.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineEvent, EpochSummary, RunInfo } from '../../src/shared/protocol';
import { subset } from '../../src/engine/data/subset';
import { startSession } from '../../src/engine/run/session';
import { BatchGatherer } from '../../src/engine/train/batches';
import { evaluate } from '../../src/engine/train/evaluate';
import { sampleRows } from '../../src/engine/train/setup';
import { Rng } from '../../src/engine/util/rng';

function experiment(trainEvalRows: number | undefined, devSplit = 0): Record<string, unknown> {
  return {
    name: 'sample-test', seed: 11,
    data: { source: 'moons', samples: 3000, noise: 0.25, split: { train: 1 - devSplit, dev: devSplit, test: 0 } },
    model: { hidden: [{ units: 8 }, { units: 8, activation: 'tanh' }] },
    training: { epochs: 3, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.01 }, backend: 'ts' },
    ...(trainEvalRows === undefined ? {} : { diagnostics: { trainEvalRows } }),
  };
}

async function run(json: Record<string, unknown>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-sample-'));
  const events: EngineEvent[] = [];
  const costs: number[] = [];
  const session = await startSession({ config: json, runDir: dir }, { iteration: (_i, _e, c) => costs.push(c), emit: (e) => events.push(e) });
  await session.trainer.run();
  session.folder.close();
  const epochs = events.flatMap((e) => (e.type === 'epoch' ? [e.summary] : [])) as EpochSummary[];
  const info = events.find((e): e is Extract<EngineEvent, { type: 'runInfo' }> => e.type === 'runInfo')?.info as RunInfo | undefined;
  fs.rmSync(dir, { recursive: true, force: true });
  return { session, epochs, costs, info };
}

describe('train cost and error measured on a fixed sample of the training set', function () {
  this.timeout(60000);

  it('sampleRows: max(rows, dev rows) distinct ascending rows from the seed; null when that is the whole set or rows is 0', () => {
    const a = sampleRows(10_000, 2000, 500, new Rng(4));
    assert.ok(a);
    assert.equal(a.length, 2000);
    for (let i = 1; i < a.length; i++) assert.ok(a[i] > a[i - 1], 'ascending, no repeats');
    assert.deepEqual(a, sampleRows(10_000, 2000, 500, new Rng(4)), 'same seed, same rows');
    assert.notDeepEqual(a, sampleRows(10_000, 2000, 500, new Rng(5)));
    assert.equal(sampleRows(10_000, 2000, 3000, new Rng(4))?.length, 3000, 'as many as dev has, if more');
    assert.equal(sampleRows(1500, 2000, 0, new Rng(4)), null);
    assert.equal(sampleRows(10_000, 0, 0, new Rng(4)), null);
  });

  it('a run measures its epochs on the sample: the numbers of an independent pass over those rows; training unchanged', async () => {
    const sampled = await run(experiment(500));
    const whole = await run(experiment(0));
    assert.equal(sampled.info?.trainEvalRows, 500);
    assert.equal(whole.info?.trainEvalRows, undefined);
    assert.deepEqual(sampled.costs, whole.costs, 'the sample draws nothing the training draws');
    // The final weights measured on the sampled rows by a fresh gatherer: the last epoch's numbers exactly.
    const { setup } = sampled.session;
    const rows = setup.trainSample!;
    assert.equal(rows.length, 500);
    const picked = subset(setup.data.train, rows);
    const independent = evaluate(setup.net, picked, new BatchGatherer(setup.backend, picked, setup.trainGatherer.capacity));
    const last = sampled.epochs[sampled.epochs.length - 1];
    assert.equal(last.trainCost, independent.cost);
    assert.equal(last.trainError, independent.error);
    // And the sample is a fair estimate of the whole set's error (3 standard errors).
    const w = whole.epochs[whole.epochs.length - 1];
    const se = Math.sqrt((w.trainError * (1 - w.trainError)) / 500);
    assert.ok(Math.abs(last.trainError - w.trainError) <= 3 * se + 1e-12, `sample ${last.trainError} vs all ${w.trainError}`);
  });

  it('the default measures 2,000 rows, or as many as dev holds; a set that small is measured whole', async () => {
    assert.equal((await run(experiment(undefined))).info?.trainEvalRows, 2000);
    const withDev = await run({ ...experiment(undefined, 0.3), data: { source: 'moons', samples: 9000, noise: 0.25, split: { train: 0.7, dev: 0.3, test: 0 } } });
    assert.equal(withDev.info?.trainEvalRows, 2700, 'dev holds 2,700 rows');
    const small = await run({ ...experiment(undefined), data: { source: 'moons', samples: 1800, noise: 0.25, split: { train: 1, dev: 0, test: 0 } } });
    assert.equal(small.info?.trainEvalRows, undefined);
  });

  it('the bias/variance verdict on the sample does not cry wolf: healthy and converged runs read as the whole set reads them', async () => {
    const verdicts = async (trainEvalRows: number, epochs: number) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-sample-'));
      const events: EngineEvent[] = [];
      const session = await startSession({ config: {
        name: 'verdict', seed: 5, data: { source: 'moons', samples: 9000, noise: 0.2, split: { train: 0.8, dev: 0.2, test: 0 } },
        model: { hidden: [{ units: 16 }, { units: 16 }] },
        training: { epochs, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.01 }, backend: 'ts' },
        diagnostics: { trainEvalRows },
      }, runDir: dir }, { iteration: () => undefined, emit: (e) => events.push(e) });
      await session.trainer.run();
      session.folder.close();
      fs.rmSync(dir, { recursive: true, force: true });
      return events.flatMap((e) => (e.type === 'verdict' ? [e.verdict] : []));
    };
    // 7,200 training rows, 1,800 dev: the default sample is 2,000 rows. 4 epochs: still learning; 25: converged
    // (the dev error flat for many epochs).
    for (const epochs of [4, 25]) {
      const sampled = await verdicts(2000, epochs);
      const whole = await verdicts(0, epochs);
      assert.equal(sampled.length, epochs);
      // No alarm the whole set would not raise: a sample may miss a borderline gap early on, never invent one.
      sampled.forEach((v, i) => assert.ok(v.diagnosis === 'fine' || v.diagnosis === whole[i].diagnosis,
        `${epochs} epochs, epoch ${i + 1}: sample says ${v.diagnosis}, the whole set ${whole[i].diagnosis}`));
      assert.equal(sampled.at(-1)!.diagnosis, 'fine', `${epochs} epochs: ${sampled.map((v) => v.diagnosis).join(',')}`);
      assert.equal(whole.at(-1)!.diagnosis, 'fine');
      assert.ok(Math.abs(sampled.at(-1)!.trainError - whole.at(-1)!.trainError) < 0.02, 'the same train error within the threshold');
    }
  });
});
