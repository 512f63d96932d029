import assert from 'node:assert/strict';
import { logTicks, parseLearningRate, percentTick } from '../../webview/format';

describe('webview/format', () => {
  it('parseLearningRate accepts positive numbers only', () => {
    assert.equal(parseLearningRate('0.001'), 0.001);
    assert.equal(parseLearningRate(' 3e-4 '), 3e-4);
    assert.equal(parseLearningRate('.5'), 0.5);
    assert.equal(parseLearningRate('1E-2'), 0.01);
    for (const bad of ['', 'abc', '-1', '0', '0.0', '1e-400', 'Infinity', 'NaN', '1,5', '0x10', '1e999']) {
      assert.equal(parseLearningRate(bad), null, bad);
    }
  });

  it('logTicks labels powers of ten, and 2×/5× on short axes', () => {
    assert.equal(logTicks(0.01), '0.01');
    assert.equal(logTicks(0.001), '0.001');
    assert.equal(logTicks(1e-4), '1e-4');
    assert.equal(logTicks(100), '100');
    assert.equal(logTicks(1e5), '1e5');
    assert.equal(logTicks(0.03), '');
    assert.equal(logTicks(0.2, 10), '');
    assert.equal(logTicks(0.2, 1.5), '0.2');
    assert.equal(logTicks(5e-5, 1.5), '5e-5');
  });
});

describe('webview/format percentTick', () => {
  it('writes error ticks as short percentages', () => {
    assert.equal(percentTick(0), '0%');
    assert.equal(percentTick(0.1), '10%');
    assert.equal(percentTick(0.025), '2.5%');
    assert.equal(percentTick(0.12345), '12.35%');
  });
});
