import * as assert from 'node:assert/strict';
import { classifyExit, type ExitFacts } from '../../src/extension/runs/exit';
import { summary } from './helpers';

const base: ExitFacts = { code: 0, signal: null, summary: null, stopRequested: false, killedAfterTimeout: false, disposing: false };

describe('host: crash classification', () => {
  it('a clean exit after a summary takes the summary state', () => {
    assert.deepEqual(classifyExit({ ...base, summary: summary('finished', 10) }), { state: 'finished', reason: undefined, crashed: false });
    assert.equal(classifyExit({ ...base, summary: summary('stopped', 10), stopRequested: true }).state, 'stopped');
    assert.equal(classifyExit({ ...base, summary: summary('diverged', 10, { reason: 'NaN cost' }) }).reason, 'NaN cost');
  });

  it('a signal is a crash with the signal as reason', () => {
    const o = classifyExit({ ...base, code: null, signal: 'SIGKILL' });
    assert.equal(o.state, 'crashed');
    assert.equal(o.crashed, true);
    assert.match(o.reason ?? '', /SIGKILL/);
  });

  it('a non-zero exit is a crash; the fatal error or stderr explains it', () => {
    const a = classifyExit({ ...base, code: 1, fatalError: 'out of memory' });
    assert.equal(a.state, 'crashed');
    assert.equal(a.reason, 'Engine exited with code 1: out of memory');
    const b = classifyExit({ ...base, code: 1, stderrTail: 'file.js:3\n  throw x\nTypeError: boom\n    at f (file.js:3:9)\n' });
    assert.equal(b.reason, 'Engine exited with code 1: TypeError: boom');
    // Even with a summary, a non-zero exit is a crash (the summary was not the last word).
    assert.equal(classifyExit({ ...base, code: 134, summary: summary('finished', 3) }).state, 'crashed');
  });

  it('exit 0 without a summary: stopped when asked to stop, crashed otherwise', () => {
    assert.equal(classifyExit({ ...base, stopRequested: true }).state, 'stopped');
    assert.equal(classifyExit(base).state, 'crashed');
  });

  it('a kill after the stop timeout is a stop, not a crash; so is shutting down with the window', () => {
    assert.deepEqual(classifyExit({ ...base, code: null, signal: 'SIGKILL', stopRequested: true, killedAfterTimeout: true }).crashed, false);
    assert.equal(classifyExit({ ...base, code: null, signal: 'SIGKILL', stopRequested: true, killedAfterTimeout: true }).state, 'stopped');
    assert.equal(classifyExit({ ...base, code: null, signal: 'SIGTERM', disposing: true, stopRequested: true }).state, 'stopped');
  });
});
