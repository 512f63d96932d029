/** How one trial attempt ends: the search's reason to stop it, what the engine said, and its exit. */
import * as assert from 'node:assert/strict';
import type { RunSummary } from '../../src/shared/protocol';
import type { TrialExit, TrialHandle } from '../../src/engine/search/launcher';
import { TrialSupervisor, type TrialCommand } from '../../src/engine/search/trial-supervisor';

class Handle implements TrialHandle {
  readonly sent: TrialCommand[] = [];
  killed = 0;
  send(command: TrialCommand): void { this.sent.push(command); }
  kill(): void { this.killed++; }
  onEvent(): void { /* events are fed to the supervisor by hand */ }
  onExit(): void { /* exits are fed to the supervisor by hand */ }
}

const clean: TrialExit = { code: 0, signal: null, stderr: '' };
const summary = (state: RunSummary['state']): RunSummary =>
  ({ state, epochs: 3, iterations: 30, final: null, best: null, testLooks: 0, seconds: 0, backend: 'ts', threads: 1 });

function supervisor(resumed = false): { sup: TrialSupervisor; handle: Handle } {
  const handle = new Handle();
  return { sup: new TrialSupervisor(handle, resumed, null, 60_000), handle };
}

describe('trial supervisor', () => {
  it('a kill outranks a prune, a prune a rung pause, whatever the order they came in', () => {
    const a = supervisor();
    a.sup.requestEnd({ kind: 'prune', reason: 'below the median' });
    a.sup.requestEnd({ kind: 'kill', reason: 'killed' });
    a.sup.requestEnd({ kind: 'rungPause', reason: 'waits at rung 1' });
    assert.deepEqual(a.sup.exited(clean, false), { kind: 'ended', state: 'killed' });
    assert.deepEqual(a.handle.sent.map((c) => c.type), ['stop', 'stop', 'stop'], 'every request asks the engine to stop');

    const b = supervisor();
    b.sup.requestEnd({ kind: 'rungPause', reason: 'waits at rung 1' });
    b.sup.requestEnd({ kind: 'stop', reason: 'the search stops' });
    assert.deepEqual(b.sup.exited(clean, true), { kind: 'atRung' });
  });

  it('a diverged trial with its summary is finished; a stopped one without a summary is stopped', () => {
    const a = supervisor();
    a.sup.requestEnd({ kind: 'diverged', reason: 'NaN' });
    a.sup.requestEnd({ kind: 'stop', reason: 'the search stops' });
    assert.equal(a.sup.end?.kind, 'diverged');
    a.sup.observe({ type: 'summary', summary: summary('stopped') });
    assert.deepEqual(a.sup.exited(clean, true), { kind: 'ended', state: 'finished' });

    const b = supervisor();
    b.sup.requestEnd({ kind: 'stop', reason: 'the search stops' });
    assert.deepEqual(b.sup.exited({ code: null, signal: 'SIGKILL', stderr: '' }, false), { kind: 'ended', state: 'stopped' });
  });

  it('no reason to end and no summary: failed with the fatal error, or restarted when its checkpoint never loaded', () => {
    const a = supervisor();
    a.sup.observe({ type: 'error', fatal: true, error: { message: 'out of memory', code: 'engine' } });
    assert.deepEqual(a.sup.exited({ code: 1, signal: null, stderr: 'trace' }, false), { kind: 'ended', state: 'failed', error: 'out of memory' });

    const b = supervisor();
    assert.deepEqual(b.sup.exited({ code: 1, signal: null, stderr: 'a\nb' }, false), { kind: 'ended', state: 'failed', error: 'the engine exited with code 1: a\nb' });

    const c = supervisor(true);
    assert.deepEqual(c.sup.exited(clean, false), { kind: 'restart', reason: 'engine exited' });
  });

  it('the engine pausing itself at a rung is the search pause, once; passing the rung arms the next one', () => {
    const handle = new Handle();
    const sup = new TrialSupervisor(handle, false, 3, 60_000);
    sup.reached(2);
    assert.equal(sup.pausingAtRung(), false);
    sup.reached(3);
    assert.equal(sup.pausingAtRung(), true);
    sup.passRung(9);
    assert.deepEqual(handle.sent, [{ type: 'pauseAt', epoch: 9 }, { type: 'resume' }]);
    assert.equal(sup.takeRungPause(), true, "the engine's paused at the rung is the search's");
    assert.equal(sup.takeRungPause(), false, 'a later pause is the user');
  });
});
