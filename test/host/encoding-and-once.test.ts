import * as assert from 'node:assert/strict';
import { decodeNonFinite, encodeNonFinite } from '../../src/shared/nonfinite';
import { Once } from '../../src/extension/runs/emitter';

describe('host: the non-finite encoding shares what it does not change', () => {
  it('returns the same object when nothing is non-finite, copies only the changed path, and round-trips', () => {
    const plain = { a: [1, 2, { b: 3 }], c: new Float64Array([Number.NaN]), s: 'NaN' };
    assert.equal(encodeNonFinite(plain), plain);
    assert.equal(decodeNonFinite(plain), plain);
    const mixed = { keep: { x: [1, 2] }, bad: [1, Number.NaN, Infinity], deep: { y: -Infinity } };
    const enc = encodeNonFinite(mixed) as typeof mixed;
    assert.notEqual(enc, mixed);
    assert.equal(enc.keep, mixed.keep, 'an untouched branch is shared');
    assert.deepEqual(enc.bad, [1, { $nf: 'NaN' }, { $nf: 'Infinity' }]);
    assert.deepEqual(JSON.parse(JSON.stringify(enc)).deep, { y: { $nf: '-Infinity' } });
    assert.ok(Number.isNaN(mixed.bad[1]), 'the original is untouched');
    assert.deepEqual(decodeNonFinite(JSON.parse(JSON.stringify(enc))), mixed);
  });
});

describe('host: Once (a process exit)', () => {
  it('fires once; a listener that comes later still hears it', async () => {
    const once = new Once<number>();
    const heard: number[] = [];
    once.event((v) => heard.push(v));
    once.fire(1);
    once.fire(2);
    assert.equal(once.value, 1);
    await new Promise<void>((resolve) => once.event((v) => { heard.push(v); resolve(); }));
    assert.deepEqual(heard, [1, 1]);
  });
});
