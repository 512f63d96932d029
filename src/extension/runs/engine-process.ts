/** The forked engine (dist/engine.js), typed by the engine protocol; see ./forked-process. */
import { parseEngineMessage, PROTOCOL_VERSION, type EngineCommand, type EngineEvent } from '../../shared/protocol';
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
  /** Outlives this process (see ForkOptions.detached). */
  detached?: boolean;
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
