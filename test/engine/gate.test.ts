/**
 * The trainer's mailbox alone: what a pass takes, when it waits, what it hands on, and that a
 * command arriving while the loop computes is taken at the very next boundary.
 */
import * as assert from 'node:assert/strict';
import { Gate, type GateHandlers, type TrainerCommand, type WorkCommand } from '../../src/engine/train/gate';

class Log implements GateHandlers {
  calls: string[] = [];
  work = (c: WorkCommand): void => { this.calls.push(`work:${c.type}`); };
  onPause = (): void => { this.calls.push('onPause'); };
  onResume = (): void => { this.calls.push('onResume'); };
  holdNext = false;
  hold = (): boolean => {
    const held = this.holdNext;
    this.holdNext = false;
    if (held) this.calls.push('hold');
    return held;
  };
  onWait = (): void => { this.calls.push('onWait'); };
  onGo = (): void => { this.calls.push('onGo'); };
}

/** Lets every pending immediate and microtask run (a pass that could go on has gone on by then). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The pass's outcome once the event loop has settled, or 'waiting'. */
async function outcome(pass: Promise<boolean>): Promise<boolean | 'waiting'> {
  let result: boolean | 'waiting' = 'waiting';
  void pass.then((r) => { result = r; });
  await settle();
  return result;
}

function gate(paused = false, pauseAt?: number): { gate: Gate; log: Log } {
  const log = new Log();
  return { gate: new Gate({ paused, pauseAt }, log), log };
}

describe('trainer gate', () => {
  it('takes queued commands in order at a pass and hands the trainer the ones that are not its own', async () => {
    const { gate: g, log } = gate();
    const sent: TrainerCommand[] = [
      { type: 'setLearningRate', value: 0.1 }, { type: 'gradientCheck' }, { type: 'evaluateTest' }, { type: 'checkpoint' }, { type: 'lrFind' },
    ];
    for (const c of sent) g.send(c);
    assert.deepEqual(log.calls, [], 'nothing runs before the loop reaches the gate');
    assert.equal(await g.pass(), true);
    assert.deepEqual(log.calls, ['work:setLearningRate', 'work:gradientCheck', 'work:evaluateTest', 'work:checkpoint', 'work:lrFind', 'onGo']);
  });

  it('pause: the pass waits (after onPause, onWait) until a resume, then goes on', async () => {
    const { gate: g, log } = gate();
    g.send({ type: 'pause' });
    const pass = g.pass();
    assert.equal(await outcome(pass), 'waiting');
    assert.equal(g.paused, true);
    assert.deepEqual(log.calls, ['onPause', 'onWait']);
    g.send({ type: 'resume' });
    assert.equal(await outcome(pass), true);
    assert.equal(g.paused, false);
    assert.deepEqual(log.calls, ['onPause', 'onWait', 'onResume', 'onGo']);
  });

  it('a gate created paused waits at its first pass', async () => {
    const { gate: g } = gate(true);
    const pass = g.pass();
    assert.equal(await outcome(pass), 'waiting');
    g.send({ type: 'stop' });
    assert.equal(await pass, false);
  });

  it('step n lets exactly n iterations through, staying paused (no onGo), then waits', async () => {
    const { gate: g, log } = gate(true);
    g.send({ type: 'step', iterations: 2 });
    for (let i = 0; i < 2; i++) {
      assert.equal(await outcome(g.pass()), true, `iteration ${i + 1}`);
      g.stepped();
    }
    assert.equal(await outcome(g.pass()), 'waiting');
    assert.equal(g.paused, true);
    assert.ok(!log.calls.includes('onGo'), 'a step does not run the loop unpaused');
  });

  it('a step while running pauses after its iterations; credits add up', async () => {
    const { gate: g } = gate();
    g.send({ type: 'step', iterations: 1 });
    g.send({ type: 'step', iterations: 2 });
    for (let i = 0; i < 3; i++) {
      assert.equal(await outcome(g.pass()), true);
      g.stepped();
    }
    assert.equal(await outcome(g.pass()), 'waiting');
  });

  it('pause() from the loop (a diverged step) drops step credits', async () => {
    const { gate: g } = gate(true);
    g.send({ type: 'step', iterations: 5 });
    assert.equal(await outcome(g.pass()), true);
    g.pause();
    assert.equal(await outcome(g.pass()), 'waiting');
  });

  it('stop ends a waiting pass and a running one, and keeps the reason it gave', async () => {
    const waiting = gate(true).gate;
    const pass = waiting.pass();
    assert.equal(await outcome(pass), 'waiting');
    waiting.send({ type: 'stop', reason: 'rung done' });
    waiting.send({ type: 'stop' });
    assert.equal(await pass, false);
    assert.equal(waiting.stopped, true);
    assert.equal(waiting.stopReason, 'rung done', 'a later stop without a reason keeps it');

    const running = gate().gate;
    running.send({ type: 'stop' });
    assert.equal(await running.pass(), false);
    assert.equal(running.stopReason, undefined);
  });

  it('hold: a loop about to go on unpaused is held (paused) until a resume', async () => {
    const { gate: g, log } = gate();
    log.holdNext = true;
    const pass = g.pass();
    assert.equal(await outcome(pass), 'waiting');
    assert.equal(g.paused, true);
    g.send({ type: 'resume' });
    assert.equal(await outcome(pass), true);
    assert.deepEqual(log.calls, ['hold', 'onWait', 'onResume', 'onGo']);
  });

  it('hold is not asked while stepping a paused run', async () => {
    const { gate: g, log } = gate(true);
    log.holdNext = true;
    g.send({ type: 'step', iterations: 1 });
    assert.equal(await outcome(g.pass()), true);
    assert.ok(!log.calls.includes('hold'));
  });

  it('pauseAt: the end of that epoch (or a later one) queues one pause, taken at the next pass', async () => {
    const { gate: g, log } = gate(false, 2);
    g.epochEnded(1);
    assert.equal(await outcome(g.pass()), true);
    g.epochEnded(2);
    assert.equal(g.paused, false, 'queued, not yet taken');
    const pass = g.pass();
    assert.equal(await outcome(pass), 'waiting');
    assert.deepEqual(log.calls.filter((c) => c === 'onPause'), ['onPause'], 'the pause checkpoints like a user pause');
    g.send({ type: 'resume' });
    assert.equal(await outcome(pass), true);
    g.epochEnded(3);
    assert.equal(await outcome(g.pass()), true, 'once only');

    const later = gate().gate;
    later.send({ type: 'pauseAt', epoch: 4 });
    assert.equal(await outcome(later.pass()), true);
    later.epochEnded(5);
    assert.equal(await outcome(later.pass()), 'waiting', 'a rung already passed pauses at the next epoch end');
  });

  it('a command sent from within onWait (a sink answering the paused state at once) is taken, not left queued', async () => {
    const log = new Log();
    const g = new Gate({ paused: true }, { ...log, onWait: () => g.send({ type: 'resume' }) });
    assert.equal(await outcome(g.pass()), true, 'it used to wait for a second send');
    const stopping = new Gate({ paused: true }, { ...log, onWait: () => stopping.send({ type: 'stop' }) });
    assert.equal(await outcome(stopping.pass()), false);
  });

  it('a command that reaches the process while the loop computes is taken at the next boundary', async () => {
    const { gate: g } = gate();
    // Queued like an IPC message: it can only arrive when the loop yields to the event loop.
    // The first pass always yields (and then every YIELD_MS): the pause lands at that boundary,
    // before the next iteration.
    setImmediate(() => g.send({ type: 'pause' }));
    const pass = g.pass();
    assert.equal(await outcome(pass), 'waiting');
    g.send({ type: 'resume' });
    assert.equal(await outcome(pass), true);
  });
});
