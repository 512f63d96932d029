/**
 * Sends a request described by a `RequestType` (src/shared/requests.ts) and waits for its answer:
 * one listener, one timer, settled once — answered, refused, the peer gone, or timed out.
 * No `vscode` import.
 */
import type { RequestType } from '../../shared/requests';
import type { Disposable } from './emitter';

/** Whom a request goes to: a run's engine, a search process. */
export interface Peer<C, E> {
  /** False when the command cannot go out (the peer is gone). */
  send(command: C): boolean;
  onEvent(listener: (event: E) => void): Disposable;
  /** The peer can no longer answer (its run ended, its process exited), with why. */
  onGone(listener: (why: string) => void): Disposable;
}

export type RequestFailure = 'refused' | 'gone' | 'unsent' | 'timeout';

export class RequestError extends Error {
  constructor(readonly failure: RequestFailure, message: string) {
    super(message);
  }
}

let requests = 0;

export function request<P, R, C, E>(peer: Peer<C, E>, type: RequestType<P, R, C, E>, params: P, timeoutMs: number): Promise<R> {
  const requestId = `req-${Date.now().toString(36)}-${++requests}`;
  return new Promise<R>((resolve, reject) => {
    const subs: Disposable[] = [];
    let settled = false;
    const settle = (result: R | RequestError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const s of subs) s.dispose();
      if (result instanceof RequestError) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(() => settle(new RequestError('timeout', `the ${type.what} got no answer in ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    subs.push(peer.onEvent((event) => {
      const answer = type.answer(event, requestId, params);
      if (answer instanceof Error) settle(new RequestError('refused', answer.message));
      else if (answer !== undefined) settle(answer);
    }));
    subs.push(peer.onGone((why) => settle(new RequestError('gone', why))));
    if (!settled && !peer.send(type.command(params, requestId))) settle(new RequestError('unsent', `the ${type.what} could not be sent`));
  });
}

/** The answer, or undefined when there is none (the caller says why it has nothing). */
export function requestOrNothing<P, R, C, E>(peer: Peer<C, E>, type: RequestType<P, R, C, E>, params: P, timeoutMs: number): Promise<R | undefined> {
  return request(peer, type, params, timeoutMs).catch((e: unknown) => {
    if (e instanceof RequestError) return undefined;
    throw e;
  });
}
