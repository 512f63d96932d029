/**
 * Vanishing / exploding / converged flags on real runs: healthy and converged runs stay quiet (a
 * handful of episodes at most and one "converged" note), broken ones are flagged for what they
 * are, and a flag is an episode (open + close events), not one event per sample.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSession } from '../../src/engine/run/session';
import type { Flag } from '../../src/shared/protocol';
import { HumanReporter } from '../../src/engine/cli/report';
import { RUN_FILES } from '../../src/shared/run-folder';

async function flagsOf(config: Record<string, unknown>): Promise<{ flags: Flag[]; dir: string; iterations: number; cost: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-flags-'));
  const flags: Flag[] = [];
  let session: Awaited<ReturnType<typeof startSession>> | null = null;
  session = await startSession({ config, runDir: dir }, {
    iteration: () => undefined,
    emit: (e) => {
      if (e.type !== 'flag') return;
      flags.push(e.flag);
      // A diverged run pauses itself; the test has seen what it needs.
      if (e.flag.kind === 'nonFinite') session?.trainer.command({ type: 'stop' });
    },
  });
  const summary = await session.trainer.run();
  session.folder.close();
  return { flags, dir, iterations: summary.iterations, cost: summary.final?.trainCost ?? NaN };
}

const gradientKinds = (flags: Flag[]): Flag[] => flags.filter((f) => f.kind === 'vanishing' || f.kind === 'exploding');
const describeFlags = (flags: Flag[]): string => flags.map((f) => `${f.kind} ${f.layer ?? ''} ${f.episode?.state ?? ''} ${f.message}`).join('\n');

function regressionCsv(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gl-flags-csv-')), 'reg.csv');
  let s = 1;
  const rand = (): number => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const rows = Array.from({ length: 200 }, () => {
    const a = rand();
    const b = rand();
    return `${a},${b},${3 * a - 2 * b + 1}`;
  });
  fs.writeFileSync(file, `a,b,y\n${rows.join('\n')}\n`);
  return file;
}

describe('gradient flags on real runs', function () {
  this.timeout(180000);

  it('a long converged moons run: tens of flag events at most, no vanishing/exploding, one "converged" note', async () => {
    const { flags, dir, iterations, cost } = await flagsOf({
      name: 'moons-long', seed: 1, data: { source: 'moons', samples: 200, noise: 0.05 },
      model: { hidden: [{ units: 16, activation: 'relu' }, { units: 16, activation: 'relu' }], init: 'he' },
      training: { epochs: 3000, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.01 }, backend: 'ts' },
    });
    assert.ok(iterations >= 5000, `${iterations} iterations`);
    assert.ok(cost < 1e-3, `converged: ${cost}`);
    assert.ok(flags.length <= 20, `${flags.length} flag events:\n${describeFlags(flags)}`);
    assert.deepEqual(gradientKinds(flags), [], describeFlags(flags));
    assert.equal(flags.filter((f) => f.kind === 'converged').length, 1, describeFlags(flags));
    const recorded = fs.readFileSync(path.join(dir, RUN_FILES.events), 'utf8').split('\n').filter((l) => l.includes('"type":"flag"'));
    assert.equal(recorded.length, flags.length, 'the events file holds the same few flag events');
  });

  it('a healthy short run raises no gradient flag', async () => {
    const { flags } = await flagsOf({
      name: 'moons', seed: 2, data: { source: 'moons', samples: 400, noise: 0.2 },
      model: { hidden: [{ units: 16, activation: 'relu' }, { units: 16, activation: 'tanh' }], init: 'he' },
      training: { epochs: 60, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.005 }, backend: 'ts' },
    });
    assert.deepEqual(gradientKinds(flags), [], describeFlags(flags));
  });

  it('a deep sigmoid net with a tiny init: one vanishing episode (first/last ratio), never exploding', async () => {
    const { flags } = await flagsOf({
      name: 'deep-sigmoid', seed: 1, data: { source: 'moons', samples: 300, noise: 0.2 },
      model: { hidden: Array.from({ length: 6 }, () => ({ units: 16, activation: 'sigmoid' })), init: 'random', initScale: 0.01 },
      training: { epochs: 30, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.005 }, backend: 'ts' },
    });
    const vanishing = flags.filter((f) => f.kind === 'vanishing');
    assert.ok(vanishing.length > 0, describeFlags(flags));
    assert.match(vanishing[0].message, /hidden 1 is .*× that of output \(threshold 0\.001\).*ReLU/);
    assert.equal(new Set(vanishing.map((f) => f.episode!.id)).size, 1, 'one episode');
    assert.ok(vanishing.every((f) => f.episode), 'sent as an episode');
    assert.deepEqual(flags.filter((f) => f.kind === 'exploding'), [], describeFlags(flags));
  });

  it('a huge learning rate: exploding on the output layer, never vanishing and exploding for one layer at once', async () => {
    const { flags } = await flagsOf({
      name: 'huge-lr', seed: 1, data: { source: { csv: regressionCsv(), label: 'y', task: 'regression' } },
      model: { hidden: [{ units: 8, activation: 'tanh' }, { units: 8, activation: 'tanh' }], init: 'xavier' },
      training: { epochs: 200, batchSize: 0, optimizer: { type: 'gd', learningRate: 4 }, backend: 'ts' },
      diagnostics: { layerStatsEvery: 1 },
    });
    const exploding = flags.filter((f) => f.kind === 'exploding');
    assert.ok(!flags.some((f) => f.kind === 'vanishing'), `tanh units saturated by the divergence are not "vanishing":\n${describeFlags(flags)}`);
    // Weights that blow up within a step are caught by the trainer's weight guard first (the update
    // is undone, the run pauses as diverged); slower growth is an exploding episode. Either says so.
    const guarded = flags.some((f) => f.kind === 'nonFinite' && /explode.*Lower the learning rate/.test(f.message));
    assert.ok(guarded || exploding.some((f) => f.layer === 'output' && /grew ×.*Lower the learning rate/.test(f.message)), describeFlags(flags));
    for (const e of exploding) {
      const v = flags.find((f) => f.kind === 'vanishing' && f.layer === e.layer && f.episode && e.episode
        && f.episode.firstIteration <= e.episode.lastIteration && e.episode.firstIteration <= f.episode.lastIteration);
      assert.equal(v, undefined, `${e.layer} both vanishing and exploding:\n${describeFlags(flags)}`);
    }
  });
});

describe('CLI reporter and flag episodes', () => {
  it('prints an episode once when it opens and one short line when it clears; one-off flags as before', () => {
    const printed: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]): void => { printed.push(args.join(' ')); };
    try {
      const r = new HumanReporter(true);
      const episode = (state: 'open' | 'closed', count: number): Flag => ({ kind: 'vanishing', severity: 'warning', message: 'ratio 1e-4 (threshold 1e-3)',
        iteration: 30, layer: 'hidden 1', episode: { id: 'stalled-hidden 1#1', state, count, firstIteration: 30, lastIteration: 30 + 10 * count, worst: 1e-4 } });
      r.emit({ type: 'flag', flag: episode('open', 3) });
      r.emit({ type: 'flag', flag: episode('open', 5) });
      r.emit({ type: 'flag', flag: episode('closed', 9) });
      r.emit({ type: 'flag', flag: { kind: 'nonFinite', severity: 'error', message: 'NaN at 7', iteration: 7 } });
    } finally {
      console.log = log;
    }
    assert.deepEqual(printed, ['⚠ ratio 1e-4 (threshold 1e-3)', '✓ cleared at iteration 120: vanishing in hidden 1 (9 samples from iteration 30)', '⚠ NaN at 7']);
  });
});
