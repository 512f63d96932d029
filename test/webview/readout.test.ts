/** Cost readouts (src/shared/readout.ts): the header, status bar and Runs tree use this one formatter. */
import assert from 'node:assert/strict';
import { COST_FLOOR, costReadout, costTooltip, parsePercent } from '../../src/shared/readout';
import { parseWebviewMessage } from '../../src/shared/webview-protocol';

describe('cost readouts', () => {
  it('a converged run\'s vanishing cost reads "≈ 0", with the exact value kept for the tooltip', () => {
    assert.deepEqual(costReadout(2.315e-56), { text: '≈ 0', raw: '2.315e-56' });
    assert.deepEqual(costReadout(4.4e-204), { text: '≈ 0', raw: '4.4e-204' });
    assert.equal(costReadout(-3e-9).text, '≈ 0');
    assert.equal(costTooltip('cost', costReadout(2.315e-56)), 'cost: ≈ 0 (exactly 2.315e-56)');
  });

  it('four significant digits above the floor; small costs in short exponent form', () => {
    assert.equal(costReadout(0.693147).text, '0.6931');
    assert.equal(costReadout(0.234).text, '0.234');
    assert.equal(costReadout(12.3456).text, '12.35');
    assert.equal(costReadout(4.2e-5).text, '4.2e-5');
    assert.equal(costReadout(1.23456e-4).text, '1.235e-4');
    assert.equal(costReadout(COST_FLOOR).text, '1e-6', 'the floor itself is shown');
    assert.equal(costReadout(2.5e6).text, '2.5e6');
    assert.equal(costReadout(1e5).text, '1e5');
    assert.equal(costTooltip('cost', costReadout(0.234)), 'cost: 0.234');
    assert.equal(costTooltip('cost', costReadout(0.693147)), 'cost: 0.6931 (exactly 0.693147)');
  });

  it('zero, non-finite and missing values are shown as they are, never "≈ 0"', () => {
    assert.equal(costReadout(0).text, '0');
    assert.equal(costReadout(Number.NaN).text, 'NaN');
    assert.equal(costReadout(Infinity).text, '+∞');
    assert.equal(costReadout(null).text, '—');
    assert.equal(costTooltip('cost', costReadout(undefined)), 'cost: —');
  });
});

describe('setting the human-level error from the verdict card', () => {
  it('parsePercent reads what people type as a percentage, nothing else', () => {
    assert.equal(parsePercent('3.5'), 0.035);
    assert.equal(parsePercent(' 12 % '), 0.12);
    assert.equal(parsePercent('0'), 0);
    assert.equal(parsePercent('.5%'), 0.005);
    for (const bad of ['', '-1', '101', 'abc', '3,5', '1e-2', '5%%', 'NaN']) assert.equal(parsePercent(bad), null, bad);
  });

  it('the card\'s message passes the webview boundary as it is', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'setHumanLevelError' }), { type: 'setHumanLevelError' });
    assert.deepEqual(parseWebviewMessage({ type: 'setHumanLevelError', value: 'x' }), { type: 'setHumanLevelError' }, 'extra fields dropped');
  });
});
