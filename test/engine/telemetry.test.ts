import * as assert from 'node:assert/strict';
import { Telemetry } from '../../src/engine/run/telemetry';
import type { EngineEvent } from '../../src/shared/protocol';
import { applyEvent, emptyRunView } from '../../src/shared/run-view';
import { BUCKETS, columnIndex, lastValue, type Buckets } from '../../src/shared/buckets';

describe('engine: telemetry stays small at any iteration rate', () => {
  it('a long fast run: each message has no more buckets than the receiver can still tell apart, and the receiver gets every point', () => {
    const sent: EngineEvent[] = [];
    const telemetry = new Telemetry({ intervalMs: 1e9, send: (e) => sent.push(e) });
    const host = emptyRunView('r', '/r');
    const perMessage = 600; // ~60 ms of a 10 k it/s run
    const total = 200_000;
    let bucketsLate = 0;
    for (let it = 1; it <= total; it++) {
      telemetry.iteration(it, 1, 1 / it, 0.01);
      if (it % perMessage === 0) {
        telemetry.flush();
        const t = sent.at(-1);
        assert.ok(t && t.type === 'telemetry' && t.iterations);
        assert.ok(t.iterations.size <= BUCKETS.iterations);
        if (it > total / 2) bucketsLate = Math.max(bucketsLate, t.iterations.size);
        applyEvent(host, t);
      }
    }
    telemetry.flush();
    for (const e of sent.slice(-1)) applyEvent(host, e);
    telemetry.dispose();
    // Late in the run the views' buckets hold ≥ 128 iterations each: a message is a few buckets, not 256.
    assert.ok(host.iterations.width >= 128, `width ${host.iterations.width}`);
    assert.ok(bucketsLate <= Math.ceil(perMessage / 128) + 2, `${bucketsLate} buckets per message late in the run`);
    assert.equal(host.iterations.count, total, 'every point folded in');
    assert.equal(lastValue(host.iterations, columnIndex(host.iterations, 'cost'))?.value, 1 / total);
    assert.deepEqual({ width: host.iterations.width, size: host.iterations.size }, { width: telemetry.view.iterations.width, size: telemetry.view.iterations.size }, 'the host view and the engine\'s own agree');
  });

  it('a first message holding many points does not leave that stretch coarser than the rest (drawn as a gap)', () => {
    const sent: EngineEvent[] = [];
    const telemetry = new Telemetry({ intervalMs: 1e9, send: (e) => sent.push(e) });
    const host = emptyRunView('r', '/r');
    const evenWidths = (b: Buckets, what: string): void => {
      for (let i = 0; i < b.size; i++) assert.ok(b.points[i] <= b.width, `${what} bucket ${i} (x ${b.x0[i]}–${b.x1[i]}): ${b.points[i]} points, width ${b.width}`);
    };
    let it = 0;
    // The engine trained 1,400 iterations before the first message (a busy host, a slow start).
    for (const held of [1400, 600, 600, 600, 30_000, 600, 600]) {
      for (let k = 0; k < held; k++) {
        it++;
        telemetry.iteration(it, 1, 1 / it, 0.01);
        if (it % 50 === 0) telemetry.emit({ type: 'epoch', summary: { epoch: it / 50, iteration: it, trainCost: 1 / it, trainError: 0.1, devCost: null, devError: null, learningRate: 0.01, seconds: 0 } });
      }
      telemetry.flush();
      applyEvent(host, sent.at(-1)!);
      evenWidths(host.iterations, 'iterations');
      evenWidths(host.epochs, 'epochs');
    }
    telemetry.dispose();
    assert.equal(host.iterations.count, it);
    assert.equal(host.iterations.width, telemetry.view.iterations.width, 'the host view and the engine\'s own agree');
  });
});
