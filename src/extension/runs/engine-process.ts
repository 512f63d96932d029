/** The forked engine (dist/engine.js), typed by the engine protocol; see ./forked-process. */
import { PROTOCOL_VERSION, type EngineCommand, type EngineEvent } from '../../shared/protocol';
import { ForkedProcess, type ProcessExit, type ProcessHandle } from './forked-process';

export type EngineExit = ProcessExit;

/** What the run manager needs from an engine; the tests give it fakes. */
export type EngineHandle = ProcessHandle<EngineCommand, EngineEvent>;

export interface EngineForkOptions {
  enginePath: string;
  /** Node (or Electron-as-Node) to run it with; the extension host's own runtime by default. */
  execPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Receives protocol violations and other diagnostics. */
  log?: (message: string) => void;
}

const EVENT_TYPES = new Set<EngineEvent['type']>([
  'hello', 'runInfo', 'state', 'metrics', 'epoch', 'layerStats', 'flag', 'learningRate', 'gradientCheck',
  'verdict', 'testResult', 'snapshot', 'checkpoint', 'log', 'error', 'summary',
]);

/** Structural check of an incoming engine message; null when it must be ignored. */
export function parseEngineMessage(msg: unknown): { event: EngineEvent } | { reason: string } {
  if (typeof msg !== 'object' || msg === null) return { reason: 'not an object' };
  const m = msg as Record<string, unknown>;
  if (m.v !== PROTOCOL_VERSION) return { reason: `protocol version ${String(m.v)} ≠ ${PROTOCOL_VERSION}` };
  if (typeof m.type !== 'string' || !EVENT_TYPES.has(m.type as EngineEvent['type'])) {
    return { reason: `unknown event ${String(m.type)}` };
  }
  const { v: _v, ...event } = m;
  void _v;
  return { event: event as unknown as EngineEvent };
}

/** The engine child process. */
export class EngineProcess extends ForkedProcess<EngineCommand, EngineEvent> implements EngineHandle {
  constructor(opts: EngineForkOptions) {
    super({ ...opts, scriptPath: opts.enginePath }, {
      name: 'engine', version: PROTOCOL_VERSION, parse: parseEngineMessage,
      helloVersion: (e) => (e.type === 'hello' ? e.protocolVersion : undefined),
    });
  }
}
