/**
 * An engine this window did not fork: one that kept training while the window reloaded, reached
 * through the socket its run folder's engine.json names (src/engine/process/links.ts). It behaves
 * like a forked EngineProcess for the run manager, but for its exit: the socket closing ends this
 * handle, and whether the process lives on is the run manager's question.
 */
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { reviveBuckets } from '../../shared/buckets';
import { parseEngineMessage, PROTOCOL_VERSION, type EngineCommand, type EngineEvent } from '../../shared/protocol';
import { RUN_FILES } from '../../shared/run-folder';
import { encodeLine, LineDecoder } from '../../shared/wire';
import { Emitter, Once } from './emitter';
import type { EngineHandle } from './engine-process';
import type { ProcessExit } from './forked-process';

interface AttachInfo { pid: number; endpoint: string; token: string }

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** engine.json of a run folder whose engine is alive, or null. */
export async function readAttachInfo(runDir: string): Promise<AttachInfo | null> {
  try {
    const v = JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.engine), 'utf8')) as Partial<AttachInfo>;
    if (typeof v.pid !== 'number' || typeof v.endpoint !== 'string' || typeof v.token !== 'string') return null;
    return processAlive(v.pid) ? (v as AttachInfo) : null;
  } catch {
    return null;
  }
}

/** Telemetry chunks arrive as plain arrays over the socket: make them series again. */
function revive(e: EngineEvent): EngineEvent {
  if (e.type !== 'telemetry') return e;
  return {
    ...e,
    iterations: e.iterations && reviveBuckets(e.iterations),
    epochs: e.epochs && reviveBuckets(e.epochs),
    layers: e.layers && reviveBuckets(e.layers),
  };
}

/** How long a process whose link closed may take to exit before it counts as still running. */
const EXIT_WAIT_MS = 2000;

export class AttachedEngine implements EngineHandle {
  private readonly events = new Emitter<EngineEvent>();
  private readonly exits = new Once<ProcessExit>();
  private closing = false;

  private constructor(private readonly socket: net.Socket, readonly pid: number, log: (m: string) => void) {
    const decoder = new LineDecoder((line) => log(`ignored a malformed line from engine ${pid}: ${line}`));
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      for (const msg of decoder.push(text)) {
        const parsed = parseEngineMessage(msg);
        if ('reason' in parsed) log(`ignored engine ${pid} message (${parsed.reason})`);
        else this.events.fire(revive(parsed.event));
      }
    });
    socket.on('error', (err) => log(`engine ${pid} socket: ${err.message}`));
    socket.on('close', () => this.finish());
  }

  /** Connects to the engine of `runDir` and shows its token; null when there is none to attach to. */
  static async connect(runDir: string, log: (m: string) => void, timeoutMs = 3000): Promise<AttachedEngine | null> {
    const info = await readAttachInfo(runDir);
    if (!info) return null;
    const socket = await new Promise<net.Socket | null>((resolve) => {
      const s = net.createConnection(info.endpoint);
      const timer = setTimeout(() => {
        s.destroy();
        resolve(null);
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', () => {
        clearTimeout(timer);
        resolve(null);
      });
    });
    if (!socket) return null;
    const engine = new AttachedEngine(socket, info.pid, log);
    socket.write(encodeLine({ token: info.token }));
    return engine;
  }

  get exited(): boolean {
    return this.exits.value !== null;
  }

  send(command: EngineCommand): boolean {
    if (this.exits.value || this.socket.destroyed) return false;
    this.socket.write(encodeLine({ ...command, v: PROTOCOL_VERSION }));
    return true;
  }

  onEvent(listener: (event: EngineEvent) => void): { dispose(): void } {
    return this.events.event(listener);
  }

  onExit(listener: (exit: ProcessExit) => void): { dispose(): void } {
    return this.exits.event(listener);
  }

  onStderr(): { dispose(): void } {
    return { dispose: () => undefined };
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    try {
      process.kill(this.pid, signal);
    } catch { /* gone */ }
  }

  /** Lets the engine go on without this window (it waits for the next one). */
  detach(): void {
    this.socket.end();
  }

  private finish(): void {
    if (this.exits.value || this.closing) return;
    this.closing = true;
    // The socket closed: the engine ended (it closes the socket on its way out) or was killed; a
    // pid still alive after EXIT_WAIT_MS means it only lost this window.
    const since = Date.now();
    const look = (): void => {
      const alive = processAlive(this.pid);
      if (alive && Date.now() - since < EXIT_WAIT_MS) {
        setTimeout(look, 50);
        return;
      }
      this.exits.fire({ code: alive ? null : 0, signal: alive ? 'DETACHED' : null });
      this.events.dispose();
    };
    setTimeout(look, 50);
  }
}
