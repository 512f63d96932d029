import * as assert from 'node:assert/strict';
import { compactEvents } from '../../src/extension/runs/compact';
import { encodeNonFiniteShared } from '../../src/extension/runs/nonfinite';
import type { EngineEvent } from '../../src/shared/protocol';
import { applyEvent, emptyRunView, type RunView } from '../../src/shared/run-view';
import { encodeNonFinite } from '../../src/shared/webview-protocol';
import { runInfo } from './helpers';

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBatch(r: () => number, state: { it: number; lr: number; epoch: number }, n: number): EngineEvent[] {
  const out: EngineEvent[] = [];
  for (let k = 0; k < n; k++) {
    const x = r();
    if (x < 0.35) {
      const len = 1 + Math.floor(r() * 4);
      // Now and then a resume re-sends from an earlier iteration (not contiguous).
      const first = r() < 0.05 ? Math.max(1, state.it - 5) : state.it + 1;
      const costs = Array.from({ length: len }, () => (r() < 0.05 ? Number.NaN : r()));
      out.push({ type: 'metrics', firstIteration: first, costs, learningRate: state.lr, epoch: state.epoch });
      state.it = first + len - 1;
    } else if (x < 0.45) {
      state.epoch++;
      out.push({ type: 'epoch', summary: { epoch: state.epoch, iteration: state.it, trainCost: r(), trainError: r(), devCost: r(), devError: r(), learningRate: state.lr, seconds: 0 } });
    } else if (x < 0.52) {
      const to = r() / 10;
      out.push({ type: 'learningRate', iteration: state.it, epoch: state.epoch, from: state.lr, to, source: r() < 0.5 ? 'user' : 'schedule' });
      state.lr = to;
    } else if (x < 0.6) {
      // A schedule changes the rate without an event: metrics carry the new rate.
      state.lr = r() / 10;
    } else if (x < 0.66) {
      out.push({ type: 'state', state: r() < 0.5 ? 'running' : 'paused', iteration: state.it, epoch: state.epoch, reason: r() < 0.3 ? 'x' : undefined });
    } else if (x < 0.74) {
      out.push({ type: 'verdict', verdict: { epoch: state.epoch, humanLevelError: 0, trainError: r(), devError: r(), avoidableBias: r(), variance: r(), diagnosis: 'fine', remedies: [] } });
    } else if (x < 0.8) {
      out.push({ type: 'snapshot', snapshot: { epoch: state.epoch, confusion: { classes: ['a', 'b'], matrix: [[1, 2], [3, Math.floor(r() * 9)]] } } });
    } else if (x < 0.85) {
      out.push({ type: 'checkpoint', iteration: state.it, epoch: state.epoch, path: `/c/${state.it}` });
    } else if (x < 0.9) {
      out.push({ type: 'flag', flag: { kind: 'vanishing', severity: 'warning', message: 'm', iteration: state.it } });
    } else if (x < 0.95) {
      out.push({ type: 'layerStats', iteration: state.it, layers: [] });
    } else {
      out.push({ type: 'log', level: 'info', message: 'hi' });
    }
  }
  return out;
}

function fold(start: RunView, events: EngineEvent[]): RunView {
  const v = structuredClone(start);
  for (const e of events) applyEvent(v, e);
  return v;
}

describe('host: event compaction for webview posts', () => {
  it('folds to the same RunView as the full batch (randomised, 300 batches)', function () {
    this.timeout(30_000);
    const r = rng(42);
    const state = { it: 0, lr: 0.1, epoch: 0 };
    let host = emptyRunView('r', '/r');
    applyEvent(host, { type: 'runInfo', info: runInfo('r', '/r') });
    let totalIn = 0;
    let totalOut = 0;
    for (let b = 0; b < 300; b++) {
      const batch = randomBatch(r, state, 1 + Math.floor(r() * 60));
      const compacted = compactEvents(batch);
      totalIn += batch.length;
      totalOut += compacted.length;
      const a = fold(host, batch);
      const c = fold(host, compacted);
      assert.deepEqual(c, a, `batch ${b}`);
      host = a;
    }
    assert.ok(totalOut < totalIn * 0.8, `compacted ${totalIn} → ${totalOut}`);
  });

  it('merges contiguous metrics with the same rate and keeps the last of replacing events', () => {
    const v = (epoch: number): EngineEvent => ({ type: 'verdict', verdict: { epoch, humanLevelError: 0, trainError: 0, devError: 0, avoidableBias: 0, variance: 0, diagnosis: 'fine', remedies: [] } });
    const out = compactEvents([
      { type: 'metrics', firstIteration: 1, costs: [1, 2], learningRate: 0.1, epoch: 1 },
      v(1),
      { type: 'metrics', firstIteration: 3, costs: [3], learningRate: 0.1, epoch: 2 },
      v(2),
    ]);
    assert.deepEqual(out.map((e) => e.type), ['metrics', 'verdict']);
    assert.deepEqual(out[0], { type: 'metrics', firstIteration: 1, costs: [1, 2, 3], learningRate: 0.1, epoch: 2 });
    assert.equal((out[1] as Extract<EngineEvent, { type: 'verdict' }>).verdict.epoch, 2);
  });
});

describe('host: encodeNonFiniteShared', () => {
  it('produces exactly what encodeNonFinite produces, sharing clean parts', () => {
    const clean = { a: [1, 2, { b: 'x', c: [3, 4] }], d: null, e: true };
    assert.equal(encodeNonFiniteShared(clean), clean);
    const dirty = { a: [1, Number.NaN, { b: 'x', c: [3, Number.NEGATIVE_INFINITY] }], d: null, keep: clean, inf: Number.POSITIVE_INFINITY };
    const enc = encodeNonFiniteShared(dirty) as Record<string, unknown>;
    assert.equal(JSON.stringify(enc), JSON.stringify(encodeNonFinite(dirty)));
    assert.equal(enc.keep, clean, 'clean sub-objects are shared');
    assert.ok(Number.isNaN(dirty.a[1] as number), 'input untouched');
    const r = rng(7);
    for (let k = 0; k < 200; k++) {
      const arr = Array.from({ length: 20 }, () => (r() < 0.1 ? [Number.NaN, { x: r() < 0.5 ? Number.POSITIVE_INFINITY : 1 }] : r()));
      assert.equal(JSON.stringify(encodeNonFiniteShared({ arr })), JSON.stringify(encodeNonFinite({ arr })));
    }
  });
});
