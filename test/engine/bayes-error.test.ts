/**
 * The Bayes error of the generated sets (src/engine/data/bayes-error.ts) against exact and
 * independent references, and the verdict that uses it: a noisy moons run that is as good as the
 * noise allows no longer reads "High bias"; one that underfits still does.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { estimateBayesError, gaussianBayesError } from '../../src/engine/data/bayes-error';
import { resolveConfig } from '../../src/engine/config/validate';
import { humanLevelError } from '../../src/engine/diagnostics/human-level';
import { startSession } from '../../src/engine/run/session';
import type { EngineEvent, Verdict } from '../../src/shared/protocol';
import type { GeneratedKind } from '../../src/engine/data/generators';

const reference = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'bayes.json'), 'utf8')) as {
  cases: { kind: GeneratedKind; noise: number; bayesError: number }[];
};

describe('Bayes error of the generated sets', () => {
  it('gaussian blobs: the Monte-Carlo estimate matches the exact Φ(−√2/σ)', () => {
    for (const noise of [0.5, 0.8, 1.2]) {
      const e = estimateBayesError('gaussian', noise)!;
      const exact = gaussianBayesError(noise);
      assert.ok(Math.abs(e.error - exact) <= 3 * e.standardError + 1e-3, `σ ${noise}: ${e.error} vs exact ${exact} (SE ${e.standardError})`);
    }
  });

  it('moons and circles: matches an independent quadrature (test/fixtures/make_bayes.py)', () => {
    for (const c of reference.cases) {
      const e = estimateBayesError(c.kind, c.noise)!;
      assert.ok(Math.abs(e.error - c.bayesError) <= 3 * e.standardError + 2e-3, `${c.kind} ${c.noise}: ${e.error} vs ${c.bayesError} (SE ${e.standardError})`);
    }
  });

  it('grows with the noise, is 0 without noise, is seeded, and is not claimed for angle-noise sets', () => {
    const errors = [0.1, 0.2, 0.35].map((n) => estimateBayesError('moons', n)!.error);
    assert.ok(errors[0] < errors[1] && errors[1] < errors[2], errors.join(' < '));
    assert.equal(estimateBayesError('xor', 0)!.error, 0);
    assert.deepEqual(estimateBayesError('circles', 0.15), estimateBayesError('circles', 0.15));
    assert.equal(estimateBayesError('spiral', 0.2), null);
    assert.equal(estimateBayesError('flower', 0.2), null);
  });

  it('humanLevelError: the file\'s number, else the generator\'s Bayes error, else an announced 0 %', () => {
    assert.deepEqual(humanLevelError(resolveConfig({ data: { source: 'moons' }, diagnostics: { humanLevelError: 0.05 } })).value, 0.05);
    const moons = humanLevelError(resolveConfig({ data: { source: 'moons', noise: 0.3 } }));
    assert.equal(moons.source, 'bayes');
    assert.ok(moons.value > 0.05 && moons.value < 0.15, String(moons.value));
    const digits = humanLevelError(resolveConfig({ data: { source: 'digits' } }));
    assert.deepEqual([digits.source, digits.value], ['assumed', 0]);
    assert.match(digits.note, /assuming human-level error 0 %/);
    assert.equal(humanLevelError(resolveConfig({ data: { source: 'spiral' } })).source, 'assumed');
  });
});

describe('bias/variance verdict on noisy toy data', function () {
  this.timeout(120000);

  async function lastVerdict(config: unknown): Promise<Verdict> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-bayes-'));
    const verdicts: Verdict[] = [];
    const sink = { iteration: () => undefined, emit: (e: EngineEvent) => { if (e.type === 'verdict') verdicts.push(e.verdict); } };
    const session = await startSession({ config, runDir: dir }, sink);
    await session.trainer.run();
    session.folder.close();
    session.setup.backend.dispose();
    assert.ok(verdicts.length > 0);
    return verdicts[verdicts.length - 1];
  }

  const noisyMoons = (extra: { diagnostics?: unknown; training?: unknown } = {}) => ({
    name: 'noisy-moons', seed: 3,
    data: { source: 'moons', samples: 1500, noise: 0.35 },
    model: { hidden: [{ units: 16, activation: 'relu' }, { units: 16, activation: 'relu' }] },
    training: { epochs: 40, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.005 }, ...(extra.training as object) },
    ...(extra.diagnostics ? { diagnostics: extra.diagnostics } : {}),
  });

  it('a converged noisy moons run is not "High bias" because of the noise (and was, against 0 %)', async () => {
    const auto = await lastVerdict(noisyMoons());
    assert.equal(auto.humanLevelSource, 'bayes');
    assert.ok(auto.humanLevelError > 0.09, `Bayes error ${auto.humanLevelError}`);
    assert.ok(auto.diagnosis !== 'highBias' && auto.diagnosis !== 'highBiasAndVariance', `${auto.diagnosis}: train ${auto.trainError}, human ${auto.humanLevelError}`);
    const zero = await lastVerdict(noisyMoons({ diagnostics: { humanLevelError: 0 } }));
    assert.equal(zero.trainError, auto.trainError, 'the same run');
    assert.equal(zero.diagnosis, 'highBias', 'the old reading, against 0 %');
  });

  it('an underfitting run on the same data still reads "High bias" (no free pass for noise)', async () => {
    const v = await lastVerdict(noisyMoons({ training: { epochs: 2, optimizer: { type: 'gd', learningRate: 0.0001 } } }));
    assert.equal(v.humanLevelSource, 'bayes');
    assert.ok(v.diagnosis === 'highBias' || v.diagnosis === 'highBiasAndVariance', `${v.diagnosis}: train ${v.trainError}, human ${v.humanLevelError}`);
  });
});
