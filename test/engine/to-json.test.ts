/** toJson's fast path (no replacer) gives the same text as the replacer path wherever it applies. */
import * as assert from 'node:assert/strict';
import { fromJson, toJson } from '../../src/shared/nonfinite';

describe('toJson', () => {
  it('plain values: exactly JSON.stringify', () => {
    const v = { kind: 'epoch', epoch: 3, trainCost: 0.1 + 0.2, devCost: null, nested: [{ a: -0, b: 'x' }, [1e-300, 5e300]], t: true };
    assert.equal(toJson(v), JSON.stringify(v));
    assert.equal(toJson(v, 1), JSON.stringify(v, null, 1));
  });

  it('non-finite numbers anywhere, typed arrays and Dates still go through the replacer', () => {
    const v = { a: [1, { b: Number.NaN }], c: new Float32Array([1.5, Number.POSITIVE_INFINITY]), d: new Date(0) };
    const text = toJson(v);
    assert.doesNotMatch(text, /null/);
    assert.match(text, /"d":"1970-01-01T00:00:00.000Z"/);
    const back = fromJson(text) as { a: [number, { b: number }]; c: number[] };
    assert.ok(Number.isNaN(back.a[1].b));
    assert.deepEqual(back.c, [1.5, Number.POSITIVE_INFINITY]);
    assert.equal(toJson(Number.NEGATIVE_INFINITY), toJson([Number.NEGATIVE_INFINITY]).slice(1, -1));
  });
});
