import * as assert from 'node:assert/strict';
import { WebviewChannel } from '../../src/extension/runs/webview-channel';
import type { EngineEvent } from '../../src/shared/protocol';
import { applyEvent, emptyRunView, reviveRunView, type RunView } from '../../src/shared/run-view';
import type { HostToWebview } from '../../src/shared/webview-protocol';
import { decodeNonFinite } from '../../src/shared/nonfinite';
import { badCount, columnIndex } from '../../src/shared/buckets';
import type { Run } from '../../src/extension/runs/run-manager';
import { FakeClock, runInfo } from './helpers';

/** The channel only reads a run's id. */
function run(id: string): Run {
  return { id } as unknown as Run;
}

/** A delta that waits for the refresh rate (a checkpoint note; telemetry behaves the same). */
function note(iteration: number): EngineEvent {
  return { type: 'checkpoint', iteration, epoch: 0, path: '/x' };
}

/** What the webview does with what it receives (the same fold as the host). */
class FakeWebview {
  view: RunView | null = null;
  posts = 0;
  receive(raw: unknown): void {
    // A structured clone, as VS Code's postMessage does (typed arrays kept, NaN encoded by the host).
    const msg = decodeNonFinite(structuredClone(raw)) as HostToWebview;
    this.posts++;
    if (msg.type === 'snapshot') this.view = reviveRunView(msg.view);
    else if (msg.type === 'events') {
      assert.ok(this.view, 'events before a snapshot');
      assert.equal(msg.runId, this.view.runId);
      for (const e of msg.events) applyEvent(this.view, e);
    }
  }
}

function* trainingEvents(runDir: string): Generator<EngineEvent> {
  yield { type: 'runInfo', info: runInfo('r1', runDir) };
  yield { type: 'state', state: 'running', iteration: 0, epoch: 0 };
  let it = 0;
  for (let epoch = 1; epoch <= 30; epoch++) {
    for (let b = 0; b < 4; b++) {
      const costs = [1 / (it + 1), 1 / (it + 2), epoch === 17 && b === 2 ? Number.NaN : 1 / (it + 3)];
      yield { type: 'metrics', firstIteration: it + 1, costs, learningRate: epoch > 10 ? 0.01 : 0.1, epoch };
      it += 3;
    }
    yield { type: 'epoch', summary: { epoch, iteration: it, trainCost: 1 / it, trainError: 0.1, devCost: 1 / it, devError: 0.2, learningRate: 0.1, seconds: 0.1 } };
    yield { type: 'layerStats', iteration: it, layers: [{ layer: 'L1', gradNorm: epoch === 20 ? Number.POSITIVE_INFINITY : 0.1, weightNorm: 1, updateRatio: 1e-3, meanAbsGrad: 0.1, activationMean: 0, activationStd: 1, saturated: 0, deadRelu: 0 }] };
    if (epoch === 10) yield { type: 'learningRate', iteration: it, epoch, from: 0.1, to: 0.01, source: 'user' };
    if (epoch === 25) yield { type: 'state', state: 'paused', iteration: it, epoch };
  }
  yield { type: 'summary', summary: { state: 'finished', epochs: 30, iterations: it, final: null, best: null, testLooks: 0, seconds: 3, backend: 'ts', threads: 1 } };
}

describe('host: snapshot then deltas (WebviewChannel)', () => {
  it('snapshot + throttled deltas equal the host view, also when the webview reloads mid-run', () => {
    const clock = new FakeClock();
    const host = emptyRunView('r1', '/runs/r1');
    const web = new FakeWebview();
    const channel = new WebviewChannel({
      post: (m) => web.receive(m),
      snapshot: () => ({ type: 'snapshot', view: host, settings: { smoothing: 0.6, maxPoints: 2000 }, compact: false }),
      accepts: (r) => r.id === host.runId,
      ratePerSecond: 10,
      clock,
    });
    let n = 0;
    for (const e of trainingEvents('/runs/r1')) {
      applyEvent(host, e);
      channel.event(run(host.runId), e);
      n++;
      if (n === 5) channel.onReady(); // the dashboard opens after the run started
      if (n === 60) channel.reset(); // hidden: document discarded
      if (n === 80) channel.onReady(); // shown again
      clock.advance(7);
    }
    clock.advance(1000);
    assert.ok(web.view);
    // Deep equality with NaN/Infinity preserved (assert.deepEqual treats NaN as equal to NaN).
    assert.deepEqual(web.view, reviveRunView(host));
    assert.equal(badCount(web.view.iterations, columnIndex(web.view.iterations, 'cost')), 1, 'the NaN cost arrived');
    assert.equal(channel.stats.snapshots, 2);
    // ≤ 10 posts/s plus one per urgent event (state, learning rate, summary): the whole run took n·7 ms.
    const seconds = (n * 7 + 1000) / 1000;
    const urgent = [...trainingEvents('/runs/r1')].filter((e) => ['state', 'learningRate', 'summary', 'runInfo'].includes(e.type)).length;
    assert.ok(channel.stats.eventPosts <= Math.ceil(seconds * 10) + 2 + urgent, `${channel.stats.eventPosts} posts in ${seconds} s`);
  });

  it('posts nothing before ready, and ignores other runs', () => {
    const clock = new FakeClock();
    const posted: unknown[] = [];
    const channel = new WebviewChannel({
      post: (m) => posted.push(m),
      snapshot: () => ({ type: 'empty', message: 'none' }),
      accepts: (r) => r.id === 'mine',
      ratePerSecond: 10,
      clock,
    });
    channel.event(run('mine'), note(1));
    clock.advance(500);
    assert.equal(posted.length, 0);
    channel.onReady();
    channel.event(run('other'), { type: 'state', state: 'running', iteration: 1, epoch: 1 });
    clock.advance(500);
    assert.deepEqual(posted, [{ type: 'empty', message: 'none' }]);
    channel.retarget();
    assert.equal(posted.length, 2);
  });

  it('groups the events of several runs into one message per run (compare panel)', () => {
    const clock = new FakeClock();
    const posted: HostToWebview[] = [];
    const channel = new WebviewChannel({
      post: (m) => posted.push(m as HostToWebview),
      snapshot: () => ({ type: 'compare', views: [], settings: { smoothing: 0, maxPoints: 10 } }),
      accepts: () => true,
      ratePerSecond: 10,
      clock,
    });
    channel.onReady();
    channel.event(run('a'), note(0)); // leading edge
    for (let i = 1; i <= 3; i++) {
      channel.event(run('a'), note(i));
      channel.event(run('b'), note(i));
    }
    clock.advance(100);
    const events = posted.filter((m): m is Extract<HostToWebview, { type: 'events' }> => m.type === 'events');
    assert.deepEqual(events.map((m) => [m.runId, m.events.length]), [['a', 1], ['a', 3], ['b', 3]]);
  });
});

describe('host: WebviewChannel back-pressure', () => {
  it('keeps at most one post in flight: events wait for the previous post, then go out together', async () => {
    const clock = new FakeClock();
    const posted: HostToWebview[] = [];
    let release: (() => void) | null = null;
    const channel = new WebviewChannel({
      post: (m) => {
        posted.push(m as HostToWebview);
        return new Promise<boolean>((resolve) => { release = () => resolve(true); });
      },
      snapshot: () => ({ type: 'empty', message: 'x' }),
      accepts: () => true,
      ratePerSecond: 10,
      clock,
    });
    channel.onReady(); // snapshot in flight
    for (let i = 0; i < 5; i++) {
      channel.event(run('r'), note(i));
      clock.advance(150);
    }
    assert.equal(posted.length, 1, 'nothing while the snapshot is in flight');
    channel.event(run('r'), note(5)); // held
    channel.event(run('r'), note(6)); // buffered, newer than the held ones
    release!();
    await Promise.resolve();
    await Promise.resolve();
    clock.advance(150);
    assert.equal(posted.length, 2);
    const ev = posted[1] as Extract<HostToWebview, { type: 'events' }>;
    assert.equal(ev.type, 'events');
    assert.deepEqual(ev.events.map((e) => (e as { iteration: number }).iteration), [0, 1, 2, 3, 4, 5, 6], 'in order');
  });
});

describe('host: WebviewChannel back-pressure guard', () => {
  it('does not stall when a post never settles: the next one goes out after 2 s', () => {
    const clock = new FakeClock();
    const posted: HostToWebview[] = [];
    const channel = new WebviewChannel({
      post: (m) => {
        posted.push(m as HostToWebview);
        return new Promise<boolean>(() => undefined); // never settles
      },
      snapshot: () => ({ type: 'empty', message: 'x' }),
      accepts: () => true,
      ratePerSecond: 10,
      clock,
    });
    channel.onReady();
    channel.event(run('r'), note(1));
    clock.advance(1999);
    assert.equal(posted.length, 1);
    clock.advance(200);
    assert.equal(posted.length, 2);
    assert.equal(posted[1].type, 'events');
  });
});

describe('host: WebviewChannel urgent events', () => {
  it('posts a state change (what a Pause click waits for) at once, with the deltas buffered before it', () => {
    const clock = new FakeClock();
    const posted: HostToWebview[] = [];
    const channel = new WebviewChannel({
      post: (m) => { posted.push(m as HostToWebview); },
      snapshot: () => ({ type: 'empty', message: 'x' }),
      accepts: () => true,
      ratePerSecond: 1,
      clock,
    });
    channel.onReady();
    channel.event(run('r'), note(1)); // leading edge
    channel.event(run('r'), note(2)); // waits for the 1 s refresh
    assert.equal(posted.length, 2);
    channel.event(run('r'), { type: 'state', state: 'paused', iteration: 2, epoch: 0 });
    assert.equal(posted.length, 3, 'no wait for the refresh rate');
    const ev = posted[2] as Extract<HostToWebview, { type: 'events' }>;
    assert.deepEqual(ev.events.map((e) => e.type), ['checkpoint', 'state'], 'in order');
  });
});

describe('host: WebviewChannel urgent events and a slow delivery', () => {
  it('an urgent event goes out at once even while a post is in flight, after the held deltas', () => {
    const clock = new FakeClock();
    const posted: HostToWebview[] = [];
    const channel = new WebviewChannel({
      post: (m) => {
        posted.push(m as HostToWebview);
        return new Promise<boolean>(() => undefined); // a webview too busy to take it
      },
      snapshot: () => ({ type: 'empty', message: 'x' }),
      accepts: () => true,
      ratePerSecond: 10,
      clock,
    });
    channel.onReady(); // in flight for up to 2 s
    channel.event(run('r'), note(1));
    clock.advance(150);
    assert.equal(posted.length, 1, 'the delta waits for the delivery');
    channel.event(run('r'), { type: 'state', state: 'paused', iteration: 1, epoch: 0 });
    assert.equal(posted.length, 2, 'the state change does not');
    const ev = posted[1] as Extract<HostToWebview, { type: 'events' }>;
    assert.deepEqual(ev.events.map((e) => e.type), ['checkpoint', 'state']);
  });
});
