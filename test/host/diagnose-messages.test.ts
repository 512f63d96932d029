/** The Diagnose messages are untrusted input: webview → host and host → engine checks. */
import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../src/shared/webview-protocol';
import { PROTOCOL_VERSION, validateCommand } from '../../src/shared/protocol';

describe('host: Diagnose messages', () => {
  it('webview → host: valid actions pass, anything else is dropped', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'findLearningRate' }), { type: 'findLearningRate' });
    assert.deepEqual(parseWebviewMessage({ type: 'diagnoseAction', action: 'fix', check: 'initialLoss', extra: 1 }),
      { type: 'diagnoseAction', action: 'fix', check: 'initialLoss' });
    assert.deepEqual(parseWebviewMessage({ type: 'diagnoseAction', action: 'applyLearningRate', target: 'run' }),
      { type: 'diagnoseAction', action: 'applyLearningRate', target: 'run' });
    assert.deepEqual(parseWebviewMessage({ type: 'diagnoseAction', action: 'rerun' }), { type: 'diagnoseAction', action: 'rerun' });
    for (const bad of [
      { type: 'diagnoseAction', action: 'fix', check: 'rm -rf' },
      { type: 'diagnoseAction', action: 'applyLearningRate', target: 'elsewhere' },
      { type: 'diagnoseAction', action: 'edit', pointer: '/x', value: 1 },
      { type: 'diagnoseRendered', phase: 'done', checks: [{ id: 'nope', status: 'pass' }], lrPoints: 3, suggestion: null },
      { type: 'diagnoseRendered', phase: 'done', checks: [], lrPoints: -1, suggestion: null },
      { type: 'diagnoseRendered', phase: 'maybe', checks: [], lrPoints: 0, suggestion: null },
    ]) assert.equal(parseWebviewMessage(bad), null, JSON.stringify(bad));
    assert.deepEqual(parseWebviewMessage({ type: 'diagnoseRendered', phase: 'done', checks: [{ id: 'lrRange', status: 'warn', x: 1 }], lrPoints: 90, suggestion: 0.02 }),
      { type: 'diagnoseRendered', phase: 'done', checks: [{ id: 'lrRange', status: 'warn' }], lrPoints: 90, suggestion: 0.02 });
  });

  it('host → engine: lrFind options and diagnose checks are checked', () => {
    const v = PROTOCOL_VERSION;
    assert.ok(validateCommand({ v, type: 'lrFind', requestId: 'a', options: { steps: 50, start: 1e-6 } }).ok);
    assert.ok(validateCommand({ v, type: 'diagnose', configPath: '/x.nn.json', checks: ['lrRange'] }).ok);
    assert.equal(validateCommand({ v, type: 'lrFind', options: { steps: 'many' } }).ok, false);
    assert.equal(validateCommand({ v, type: 'lrFind', options: { wipe: 1 } }).ok, false);
    assert.equal(validateCommand({ v, type: 'diagnose', checks: ['everything'] }).ok, false);
  });
});
