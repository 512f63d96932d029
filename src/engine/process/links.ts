/**
 * The engine's connection to its host: the Node IPC channel of the process that forked it, or a
 * socket a later host attached to (after a window reload). Both carry the same messages; the
 * socket frames them as JSON lines with `$nf` tokens (src/shared/wire.ts).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeLine, LineDecoder } from '../../shared/wire';
import { writeFileAtomic } from '../run/run-folder';

export interface HostLink {
  send(message: object): void;
  onMessage(listener: (msg: unknown) => void): void;
  onClose(listener: () => void): void;
  close(): void;
}

/** The IPC channel of the forking process, or null when there is none (a CLI run). */
export function ipcLink(): HostLink | null {
  if (!process.send) return null;
  let closed = false;
  return {
    send(message) {
      // With a callback a write to a channel that just closed (the host died) is an error passed
      // here, not an uncaught 'error' event that would end the run before 'disconnect' arrives.
      if (!closed && process.send && process.connected) process.send(message, undefined, undefined, () => undefined);
    },
    onMessage(listener) {
      process.on('message', listener);
    },
    onClose(listener) {
      process.on('disconnect', () => {
        closed = true;
        listener();
      });
    },
    close() {
      closed = true;
      if (process.connected) process.disconnect();
    },
  };
}

/** What engine.json in the run folder says: where to attach, and the token to show. */
export interface AttachInfo {
  pid: number;
  endpoint: string;
  token: string;
  startedAt: string;
}

/** Where sockets live: a private folder (POSIX) or a named pipe (Windows). */
function endpointFor(id: string): string {
  if (process.platform === 'win32') return `\\\\.\\pipe\\gradient-lab-${id}`;
  const dir = path.join(os.tmpdir(), `gradient-lab-${os.userInfo().uid}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return path.join(dir, `${id}.sock`);
}

/**
 * A socket server a host can attach to. The first line a client sends must be `{"token": …}`
 * with the token of engine.json (readable only by the folder's owner); anything else is dropped.
 */
export class AttachServer {
  private constructor(private readonly server: net.Server, private readonly infoFile: string, private readonly endpoint: string) {}

  /** `resync`: the message that replaces telemetry dropped while the host read too slowly (the whole run). */
  static async open(runDir: string, infoName: string, onAttach: (link: HostLink) => void, resync: () => object): Promise<AttachServer> {
    const id = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    const endpoint = endpointFor(id);
    const token = crypto.randomBytes(16).toString('hex');
    const server = net.createServer((socket) => {
      const decoder = new LineDecoder();
      let link: SocketLink | null = null;
      socket.setEncoding('utf8');
      const listen = (chunk: string): void => {
        for (const msg of decoder.push(chunk)) {
          if (link) {
            link.deliver(msg);
          } else if (typeof msg === 'object' && msg !== null && (msg as { token?: unknown }).token === token) {
            link = new SocketLink(socket, resync);
            onAttach(link);
          } else {
            socket.destroy();
            return;
          }
        }
      };
      socket.on('data', listen);
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(endpoint, () => resolve());
    });
    server.unref();
    const infoFile = path.join(runDir, infoName);
    const info: AttachInfo = { pid: process.pid, endpoint, token, startedAt: new Date().toISOString() };
    writeFileAtomic(infoFile, JSON.stringify(info, null, 1) + '\n');
    try {
      fs.chmodSync(infoFile, 0o600);
    } catch { /* best effort */ }
    return new AttachServer(server, infoFile, endpoint);
  }

  close(): void {
    this.server.close();
    try {
      fs.rmSync(this.infoFile, { force: true });
      if (process.platform !== 'win32') fs.rmSync(this.endpoint, { force: true });
    } catch { /* gone already */ }
  }
}

/** Bytes a slow reader may have queued before telemetry is dropped (and made up for by a history). */
const SOCKET_BACKLOG = 4 * 1024 * 1024;

class SocketLink implements HostLink {
  private readonly listeners: ((msg: unknown) => void)[] = [];
  private closed = false;
  private dropped = false;

  constructor(private readonly socket: net.Socket, private readonly resync: () => object) {}

  deliver(msg: unknown): void {
    for (const l of this.listeners) l(msg);
  }

  send(message: object): void {
    if (this.closed || this.socket.destroyed) return;
    // Telemetry is bounded, but a stalled reader must not grow our memory: drop while backed up,
    // then send the whole run once instead of the first telemetry after (its chunks are in it).
    if ((message as { type?: string }).type === 'telemetry') {
      if (this.socket.writableLength > SOCKET_BACKLOG) {
        this.dropped = true;
        return;
      }
      if (this.dropped) {
        this.dropped = false;
        this.socket.write(encodeLine(this.resync()));
        return;
      }
    }
    this.socket.write(encodeLine(message));
  }

  onMessage(listener: (msg: unknown) => void): void {
    this.listeners.push(listener);
  }

  onClose(listener: () => void): void {
    this.socket.on('close', () => {
      this.closed = true;
      listener();
    });
  }

  close(): void {
    this.closed = true;
    this.socket.end();
  }
}
