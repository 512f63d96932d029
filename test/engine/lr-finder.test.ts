/**
 * The learning-rate range test: the suggestion on synthetic curves that fool the naive rule
 * (Lightning #1767: an early spike; #21141: noise), the sweep's exact restore of every piece of
 * state, a run with a range test in the middle identical to one without, and on moons and digits
 * a suggestion that trains about as well as the best rate of a small log grid.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { LR_FIND_DEFAULTS } from '../../src/shared/diagnosis';
import type { EngineEvent } from '../../src/shared/protocol';
import { debiasedEwa } from '../../src/shared/series';
import { loadExperiment, resolveConfig } from '../../src/engine/config/validate';
import { lrFindOptions, sweepRates } from '../../src/engine/diagnostics/lr-finder';
import { BELOW_MINIMUM, longestDescent, suggestLearningRate } from '../../src/engine/diagnostics/lr-suggestion';
import { findLearningRate } from '../../src/engine/train/find-learning-rate';
import { createRunSetup } from '../../src/engine/train/setup';
import { Trainer } from '../../src/engine/train/trainer';
import { Rng } from '../../src/engine/util/rng';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const N = 100;
const RATES = sweepRates(LR_FIND_DEFAULTS);
const log10 = Math.log10;

/**
 * A loss curve over log₁₀ LR ∈ [−7, 1]: flat at 1 until `start`, a descent to 0.3 centred on
 * `centre` (steepest there), then a blow-up after `blowUp`.
 */
function curve(centre: number, blowUp: number): number[] {
  return RATES.map((lr) => {
    const x = log10(lr);
    const descent = 1 - 0.7 / (1 + Math.exp(-(x - centre) * 3));
    return x > blowUp ? descent + (x - blowUp) * 4 : descent;
  });
}

/**
 * Where the noise-free curve's *smoothed* loss falls fastest against log₁₀ LR: what the
 * suggestion aims at (the EWA lags the raw curve, so this sits a little right of `centre`).
 */
function cleanSteepest(centre: number, blowUp: number): number {
  const s = debiasedEwa(curve(centre, blowUp), 0.98);
  let best = 1;
  for (let i = 1; i < N - 1; i++) if (s[i + 1] - s[i - 1] < s[best + 1] - s[best - 1]) best = i;
  return log10(RATES[best]);
}

/** Lightning's rule before its fixes: the steepest raw gradient, index-spaced, after skipping 10 points. */
function naiveSuggestion(losses: number[]): number {
  let best = -1;
  let bestGrad = Infinity;
  for (let i = 10; i < losses.length - 1; i++) {
    const g = i === 0 ? losses[1] - losses[0] : (losses[i + 1] - losses[i - 1]) / 2;
    if (g < bestGrad) {
      bestGrad = g;
      best = i;
    }
  }
  return RATES[best];
}

describe('learning-rate range test', function () {
  this.timeout(180000);

  it('sweeps exponentially from start to end', () => {
    assert.equal(RATES.length, N);
    assert.equal(RATES[0], 1e-7);
    assert.ok(Math.abs(RATES[N - 1] - 10) < 1e-12);
    const ratio = RATES[1] / RATES[0];
    for (let i = 1; i < N; i++) assert.ok(Math.abs(RATES[i] / RATES[i - 1] - ratio) < 1e-9);
    assert.throws(() => lrFindOptions({ start: 1, end: 0.1 }), /end must be larger/);
    assert.throws(() => lrFindOptions({ steps: 2.5 }), /steps/);
  });

  it('suggests the steepest point of a clean descent, below its minimum', () => {
    const losses = curve(-2, -0.5);
    const s = suggestLearningRate(RATES, losses, debiasedEwa(losses, 0.98));
    assert.ok(s.suggestion, s.note);
    const target = cleanSteepest(-2, -0.5);
    assert.ok(target > -2 && target < -1, `the smoothed curve's steepest point ${target}`);
    assert.ok(Math.abs(log10(s.suggestion.lr) - target) < 0.2, `suggestion ${s.suggestion.lr} vs 1e${target}`);
    assert.ok(s.suggestion.lr <= s.minimum!.lr / BELOW_MINIMUM);
    assert.ok(s.valley && s.valley.first.index < s.suggestion.index && s.suggestion.index <= s.valley.last.index);
  });

  it('an early spike fools the naive steepest-gradient rule but not the suggestion (Lightning #1767)', () => {
    const losses = curve(-2, -0.5);
    // A spike right after the burn-in: up by 0.5 and straight back down.
    losses[12] += 0.5;
    const naive = naiveSuggestion(losses);
    assert.ok(log10(naive) < -5.5, `the naive rule picks the spike's fall (${naive})`);
    const s = suggestLearningRate(RATES, losses, debiasedEwa(losses, 0.98));
    const target = cleanSteepest(-2, -0.5);
    assert.ok(s.suggestion && Math.abs(log10(s.suggestion.lr) - target) < 0.3, `suggestion ${s.suggestion?.lr} vs 1e${target}`);
  });

  it('noise on every point does not move the suggestion by decades (Lightning #21141)', () => {
    const rng = new Rng(42);
    const target = cleanSteepest(-3, 0);
    for (let trial = 0; trial < 10; trial++) {
      const losses = curve(-3, 0).map((l) => l + (rng.uniform() - 0.5) * 0.2);
      const naive = naiveSuggestion(losses);
      const s = suggestLearningRate(RATES, losses, debiasedEwa(losses, 0.98));
      assert.ok(s.suggestion && Math.abs(log10(s.suggestion.lr) - target) < 0.5, `trial ${trial}: suggestion ${s.suggestion?.lr} vs 1e${target} (naive ${naive})`);
    }
  });

  it('a flat curve gets no suggestion, and says why', () => {
    const rng = new Rng(7);
    const flat = RATES.map(() => 0.69 + (rng.uniform() - 0.5) * 0.002);
    const s = suggestLearningRate(RATES, flat, debiasedEwa(flat, 0.98));
    assert.equal(s.suggestion, null);
    assert.match(s.note, /never falls/);
  });

  it('mid-run (flat, then rising, with noise): no false descent; a tenth of where the loss starts rising', () => {
    const rng = new Rng(11);
    // Weights near a minimum: flat at 0.13 with mini-batch noise until 1e-1, then rising.
    const losses = RATES.map((lr) => 0.13 + (rng.uniform() - 0.5) * 0.1 + (log10(lr) > -1 ? (log10(lr) + 1) * 0.5 : 0));
    const s = suggestLearningRate(RATES, losses, debiasedEwa(losses, 0.98));
    assert.ok(s.suggestion, s.note);
    assert.equal(s.suggestion.rule, 'beforeRise', s.note);
    assert.equal(s.valley, null);
    assert.ok(log10(s.suggestion.lr) > -2.6 && log10(s.suggestion.lr) < -1.4, `suggestion ${s.suggestion.lr}`);
  });

  it('the longest descent is a decreasing subsequence, so a bump inside it does not cut it', () => {
    const ys = [5, 4, 3, 3.5, 2, 1, 6, 0.5];
    assert.deepEqual(longestDescent(ys, 0, ys.length), [0, 7]);
    assert.deepEqual(longestDescent([1, 2, 3], 0, 3), [0, 0]);
  });

  it('puts back weights, batch-norm statistics, optimizer state and the dropout RNG exactly', async () => {
    const config = resolveConfig({
      data: { source: 'moons', samples: 300 },
      model: { hidden: [{ units: 8, batchNorm: true, keepProb: 0.8 }, { units: 6, activation: 'tanh' }] },
      training: { batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, backend: 'wasm', threads: 1 },
    });
    const setup = await createRunSetup(config);
    try {
      // A few real updates first, so the optimizer has state to lose.
      for (let i = 0; i < 5; i++) {
        const b = setup.trainGatherer.range(i * 32, 32);
        setup.net.costAndGradients(b.x, b.y, 32, { training: true, dropout: true, updateRunningStats: true }, { l2: 0, l1: 0 }, true);
        setup.optimizer.update(setup.net.params(), 0.01);
      }
      const net = JSON.stringify(setup.net.exportState());
      const opt = JSON.stringify(setup.optimizer.exportState());
      const rng = setup.rngs.dropout.state();
      const result = findLearningRate(setup, {}, { iteration: 5, currentLr: 0.01 });
      assert.equal(result.from, 'current');
      assert.ok(result.lrs.length > 20, `${result.lrs.length} steps ran`);
      assert.equal(JSON.stringify(setup.net.exportState()), net);
      assert.equal(JSON.stringify(setup.optimizer.exportState()), opt);
      assert.deepEqual(setup.rngs.dropout.state(), rng);
    } finally {
      setup.backend.dispose();
    }
  });

  it('a run with a range test in the middle has bit-identical metrics to one without', async () => {
    const json = {
      name: 'lr-find-mid-run', seed: 5,
      data: { source: 'moons', samples: 400, noise: 0.2, augment: { jitter: 0.05 } },
      model: { hidden: [{ units: 12, batchNorm: true }, { units: 8, activation: 'tanh', keepProb: 0.8 }] },
      training: { epochs: 6, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, lrDecay: { type: 'exponential', rate: 0.9 }, backend: 'wasm', threads: 1 },
      diagnostics: { layerStatsEvery: 5 },
    };
    const record = async (findAtEpoch: number | null): Promise<{ costs: number[]; epochs: unknown[]; finds: number }> => {
      const setup = await createRunSetup(resolveConfig(json));
      const costs: number[] = [];
      const epochs: unknown[] = [];
      let finds = 0;
      let trainer: Trainer | null = null;
      const sink = {
        iteration: (_it: number, _epoch: number, cost: number): void => {
          costs.push(cost);
        },
        emit: (e: EngineEvent): void => {
          if (e.type === 'layerStats') costs.push(...e.layers.map((l) => l.updateRatio));
          if (e.type === 'epoch') {
            const { seconds: _s, ...rest } = e.summary;
            epochs.push(rest);
            if (e.summary.epoch === findAtEpoch) trainer!.command({ type: 'lrFind', requestId: 'mid' });
          }
          if (e.type === 'lrFind') {
            finds++;
            assert.equal(e.requestId, 'mid');
            assert.equal(e.result.from, 'current');
          }
        },
      };
      trainer = new Trainer(setup, sink, null, { paused: false });
      await trainer.run();
      setup.backend.dispose();
      return { costs, epochs, finds };
    };
    const plain = await record(null);
    const withFind = await record(3);
    assert.equal(withFind.finds, 1);
    assert.equal(plain.costs.length, withFind.costs.length);
    assert.deepEqual(withFind.costs, plain.costs);
    assert.deepEqual(withFind.epochs, plain.epochs);
  });

  for (const [example, epochs, grid] of [
    ['moons.nn.json', 10, [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1]],
    ['digits.softmax.nn.json', 5, [3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]],
  ] as const) {
    it(`on ${example} the suggestion trains within a few points of the best rate of a log grid`, async () => {
      const file = path.join(EXAMPLES, example);
      const devError = async (lr: number): Promise<number> => {
        const config = loadExperiment(file);
        config.training.epochs = epochs;
        config.training.optimizer.learningRate = lr;
        config.training.earlyStopping.enabled = false;
        const setup = await createRunSetup(config, { configPath: file });
        const summary = await new Trainer(setup, { iteration: () => undefined, emit: () => undefined }, null, { paused: false }).run();
        setup.backend.dispose();
        return summary.final!.devError!;
      };
      const setup = await createRunSetup(loadExperiment(file), { configPath: file });
      const found = findLearningRate(setup, {}, { iteration: 0, currentLr: setup.config.training.optimizer.learningRate });
      setup.backend.dispose();
      assert.ok(found.suggestion, found.note);
      const results = [];
      for (const lr of grid) results.push({ lr, error: await devError(lr) });
      const best = results.reduce((a, b) => (b.error < a.error ? b : a));
      const suggested = await devError(found.suggestion.lr);
      console.log(`      ${example}: suggestion ${found.suggestion.lr.toPrecision(3)} → dev error ${(suggested * 100).toFixed(1)} %; grid ${results.map((r) => `${r.lr}: ${(r.error * 100).toFixed(1)} %`).join(', ')}`);
      assert.ok(suggested <= best.error + 0.03, `suggestion ${found.suggestion.lr} gives ${suggested}, best grid rate ${best.lr} gives ${best.error}`);
    });
  }
});
