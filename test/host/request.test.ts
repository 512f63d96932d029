/** One request, one answer: correlated by id, settled once (answered, refused, the peer gone, timed out), listeners let go. */
import * as assert from 'node:assert/strict';
import type { EngineCommand, EngineEvent, GradCheckReport } from '../../src/shared/protocol';
import { EXPORT_BEST, GRADIENT_CHECK, LR_FIND } from '../../src/shared/requests';
import type { SearchCommand, SearchEvent } from '../../src/shared/search-protocol';
import { Emitter } from '../../src/extension/runs/emitter';
import { request, requestOrNothing, RequestError, type Peer } from '../../src/extension/runs/request';

class FakePeer<C, E> implements Peer<C, E> {
  readonly sent: C[] = [];
  readonly events = new Emitter<E>();
  readonly gone = new Emitter<string>();
  listeners = 0;
  accept = true;
  send(command: C): boolean {
    if (this.accept) this.sent.push(command);
    return this.accept;
  }
  onEvent(listener: (event: E) => void): { dispose(): void } {
    return this.track(this.events.event(listener));
  }
  onGone(listener: (why: string) => void): { dispose(): void } {
    return this.track(this.gone.event(listener));
  }
  private track(d: { dispose(): void }): { dispose(): void } {
    this.listeners++;
    return { dispose: () => { this.listeners--; d.dispose(); } };
  }
}

const report = (id: string): GradCheckReport => ({ id }) as unknown as GradCheckReport;

async function failure(p: Promise<unknown>): Promise<RequestError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RequestError, String(e));
    return e;
  }
  assert.fail('the request did not fail');
}

describe('request / response', () => {
  it('answers with the reply carrying its own id, not another request’s', async () => {
    const peer = new FakePeer<EngineCommand, EngineEvent>();
    const a = request(peer, LR_FIND, undefined, 60_000);
    const b = request(peer, LR_FIND, undefined, 60_000);
    const [ca, cb] = peer.sent as Extract<EngineCommand, { type: 'lrFind' }>[];
    assert.ok(ca.requestId && cb.requestId && ca.requestId !== cb.requestId, 'each request has its own id');
    const result = (id: string): Extract<EngineEvent, { type: 'lrFind' }> => ({ type: 'lrFind', requestId: id, result: { from: id } as never });
    peer.events.fire(result(cb.requestId!));
    peer.events.fire(result(ca.requestId!));
    assert.equal(((await a) as unknown as { from: string }).from, ca.requestId);
    assert.equal(((await b) as unknown as { from: string }).from, cb.requestId);
    assert.equal(peer.listeners, 0, 'both let go of the peer');
  });

  it('a gradient check also takes an answer without an id (the dashboard’s own check, an older engine)', async () => {
    const peer = new FakePeer<EngineCommand, EngineEvent>();
    const p = request(peer, GRADIENT_CHECK, undefined, 60_000);
    peer.events.fire({ type: 'gradientCheck', requestId: 'someone-else', report: report('other') });
    peer.events.fire({ type: 'gradientCheck', report: report('mine') });
    assert.equal((await p).id, 'mine');
  });

  it('fails once: the peer refused, went away, could not be sent to, or did not answer in time', async () => {
    const search = new FakePeer<SearchCommand, SearchEvent>();
    const refused = request(search, EXPORT_BEST, { outFile: '/x/best.nn.json' }, 60_000);
    search.events.fire({ type: 'error', fatal: false, code: 'data', message: 'no finished trial to export' });
    assert.equal((await failure(refused)).failure, 'refused');

    const engine = new FakePeer<EngineCommand, EngineEvent>();
    const gone = request(engine, GRADIENT_CHECK, undefined, 60_000);
    engine.gone.fire('the run ended');
    engine.events.fire({ type: 'gradientCheck', report: report('late') });
    const e = await failure(gone);
    assert.deepEqual([e.failure, e.message], ['gone', 'the run ended']);

    engine.accept = false;
    assert.equal((await failure(request(engine, LR_FIND, undefined, 60_000))).failure, 'unsent');
    engine.accept = true;
    assert.equal((await failure(request(engine, LR_FIND, undefined, 1))).failure, 'timeout');
    assert.equal(await requestOrNothing(engine, LR_FIND, undefined, 1), undefined);
    assert.equal(engine.listeners, 0);
    assert.equal(search.listeners, 0);
  });

  it('an export is answered by the exported event echoing its id', async () => {
    const search = new FakePeer<SearchCommand, SearchEvent>();
    const p = request(search, EXPORT_BEST, { outFile: '/x/best.nn.json', searchDir: '/x/s' }, 60_000);
    const sent = search.sent[0] as Extract<SearchCommand, { type: 'exportBest' }>;
    assert.deepEqual({ ...sent, requestId: undefined }, { type: 'exportBest', outFile: '/x/best.nn.json', searchDir: '/x/s', requestId: undefined });
    search.events.fire({ type: 'exported', outFile: '/x/other.nn.json', trialId: 1, requestId: 'another' });
    search.events.fire({ type: 'exported', outFile: '/x/best.nn.json', trialId: 4, requestId: sent.requestId });
    assert.deepEqual(await p, { outFile: '/x/best.nn.json', trialId: 4 });
  });
});
