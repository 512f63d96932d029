/**
 * The course lessons shipped in examples/: each trains for real (default backend) and must show
 * the outcome the course teaches.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EpochSummary, RunSummary } from '../../src/shared/protocol';
import { startSession } from '../../src/engine/run/session';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

async function runExample(file: string): Promise<{ summary: RunSummary; final: EpochSummary }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-lesson-'));
  const session = await startSession({ configPath: path.join(EXAMPLES, file), runDir: dir }, { iteration: () => undefined, emit: () => undefined });
  const summary = await session.trainer.run();
  session.folder.close();
  session.setup.backend.dispose();
  return { summary, final: summary.final! };
}

const gap = (e: EpochSummary): number => e.devError! - e.trainError;

describe('course lessons (examples/)', function () {
  this.timeout(180000);

  it('initialization: zeros stays at 50 % train accuracy with cost ln 2; He reaches > 90 %', async () => {
    const zeros = await runExample('initialization.zeros.nn.json');
    assert.equal(zeros.final.trainError, 0.5);
    assert.ok(Math.abs(zeros.final.trainCost - Math.LN2) < 1e-6, `cost ${zeros.final.trainCost}`);
    const he = await runExample('initialization.he.nn.json');
    assert.ok(he.final.trainError < 0.1, `He train error ${he.final.trainError}`);
    const random = await runExample('initialization.random.nn.json');
    assert.ok(random.final.devCost! > he.final.devCost!, 'large random init ends with a worse (overconfident) dev cost than He');
  });

  it('regularization: no regularisation has the largest train–dev gap', async () => {
    const none = await runExample('regularization.none.nn.json');
    const l2 = await runExample('regularization.l2.nn.json');
    const dropout = await runExample('regularization.dropout.nn.json');
    assert.ok(gap(none.final) > gap(l2.final), `none ${gap(none.final)} vs L2 ${gap(l2.final)}`);
    assert.ok(gap(none.final) > gap(dropout.final), `none ${gap(none.final)} vs dropout ${gap(dropout.final)}`);
    assert.ok(none.final.trainError < l2.final.trainError, 'unregularised fits the training set best');
  });

  it('optimizers: Adam reaches clearly higher accuracy than gd and momentum in the same epochs', async () => {
    const gd = await runExample('optimizers.gd.nn.json');
    const momentum = await runExample('optimizers.momentum.nn.json');
    const adam = await runExample('optimizers.adam.nn.json');
    assert.equal(gd.summary.epochs, adam.summary.epochs);
    assert.ok(adam.final.trainError + 0.05 < gd.final.trainError, `adam ${adam.final.trainError} vs gd ${gd.final.trainError}`);
    assert.ok(adam.final.trainError + 0.05 < momentum.final.trainError, `adam ${adam.final.trainError} vs momentum ${momentum.final.trainError}`);
  });

  it('softmax on digits reaches < 5 % dev error', async () => {
    const digits = await runExample('digits.softmax.nn.json');
    assert.ok(digits.final.devError! < 0.05, `dev error ${digits.final.devError}`);
  });

  it('batch norm: three batch-normalised layers on the spiral reach < 5 % dev error at learning rate 0.01', async () => {
    const bn = await runExample('batchnorm.nn.json');
    assert.ok(bn.final.devError! < 0.05, `dev error ${bn.final.devError}`);
  });
});
