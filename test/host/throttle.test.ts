import * as assert from 'node:assert/strict';
import { Throttle } from '../../src/extension/runs/throttle';
import { FakeClock } from './helpers';

describe('host: Throttle', () => {
  it('sends the first item at once, then at most `rate` batches per second, nothing lost and in order', () => {
    const clock = new FakeClock();
    const flushes: { at: number; items: number[] }[] = [];
    const t = new Throttle<number>(10, (items) => flushes.push({ at: clock.now(), items }), clock);
    // 1,000 events over one second, one per millisecond.
    for (let i = 0; i < 1000; i++) {
      t.push(i);
      clock.advance(1);
    }
    clock.advance(200);
    assert.equal(flushes[0].at, 0);
    assert.deepEqual(flushes[0].items, [0]);
    assert.ok(flushes.length <= 11, `${flushes.length} flushes in ~1 s`);
    for (let k = 1; k < flushes.length; k++) assert.ok(flushes[k].at - flushes[k - 1].at >= 100, 'at least 100 ms apart');
    assert.deepEqual(flushes.flatMap((f) => f.items), Array.from({ length: 1000 }, (_, i) => i));
    assert.equal(clock.pendingTimers, 0);
  });

  it('follows setRate and falls back to 10/s for nonsense rates', () => {
    assert.equal(Throttle.interval(4), 250);
    assert.equal(Throttle.interval(0), 100);
    assert.equal(Throttle.interval(Number.NaN), 100);
    const clock = new FakeClock();
    const at: number[] = [];
    const t = new Throttle<number>(10, () => at.push(clock.now()), clock);
    t.setRate(2);
    t.push(1);
    t.push(2);
    clock.advance(499);
    assert.deepEqual(at, [0]);
    clock.advance(1);
    assert.deepEqual(at, [0, 500]);
  });

  it('clear drops what is pending; dispose stops everything', () => {
    const clock = new FakeClock();
    const got: number[][] = [];
    const t = new Throttle<number>(10, (items) => got.push(items), clock);
    t.push(1);
    t.push(2);
    t.push(3);
    assert.equal(t.pending, 2);
    t.clear();
    clock.advance(1000);
    assert.deepEqual(got, [[1]]);
    t.dispose();
    t.push(4);
    clock.advance(1000);
    assert.deepEqual(got, [[1]]);
  });

  it('works with real timers', async () => {
    const got: number[][] = [];
    const t = new Throttle<number>(20, (items) => got.push(items));
    for (let i = 0; i < 10; i++) t.push(i);
    await new Promise((r) => setTimeout(r, 120));
    assert.deepEqual(got, [[0], [1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    t.dispose();
  });
});
