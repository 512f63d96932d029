/**
 * The engine as a child process: `child_process.fork(dist/engine.js)` from the extension host.
 * Commands arrive over Node IPC, events go back the same way (every message carries the
 * protocol version). The run folder is written here, so a host that dies loses nothing.
 * Fork with `serialization: 'advanced'` so NaN/Infinity survive the channel.
 */
import { PROTOCOL_VERSION, validateCommand, type EngineCommand, type EngineEvent } from '../../shared/protocol';
import { describeError, resumeSession, startSession, type Session } from '../run/session';
import { ThrottledIpcSink } from './ipc-sink';
import type { TrainerCommand } from '../train/trainer';
import { runDiagnoseCommand } from '../diagnostics/diagnose-command';

let session: Session | null = null;
let starting = false;
/** Commands that arrive while the run is still being set up (data loading can take seconds). */
const early: TrainerCommand[] = [];

function send(event: EngineEvent): void {
  if (process.send && process.connected) process.send({ v: PROTOCOL_VERSION, ...event });
}

const ipcSink = new ThrottledIpcSink(send);

async function run(start: Promise<Session>): Promise<void> {
  starting = true;
  try {
    session = await start;
    for (const c of early.splice(0)) session.trainer.command(c);
  } catch (e) {
    const error = describeError(e);
    send({ type: 'error', error, fatal: true });
    exit(error.code === 'engine' ? 1 : 2);
    return;
  } finally {
    starting = false;
  }
  try {
    const summary = await session.trainer.run();
    session.folder.close();
    exit(summary.state === 'finished' || summary.state === 'stopped' ? 0 : 1);
  } catch (e) {
    // Keep what can be kept: a checkpoint of the last good state, then report.
    try {
      session.trainer.command({ type: 'checkpoint' });
    } catch { /* the report below matters more */ }
    send({ type: 'error', error: describeError(e), fatal: true });
    exit(1);
  }
}

function exit(code: number): void {
  ipcSink.flush();
  // Let queued IPC messages drain before leaving.
  setTimeout(() => process.exit(code), 50);
}

function handle(command: EngineCommand): void {
  switch (command.type) {
    case 'start':
      if (session || starting) return send({ type: 'error', fatal: false, error: { code: 'usage', message: 'a run is already active in this engine' } });
      void run(startSession(command, ipcSink));
      return;
    case 'resumeFromCheckpoint':
      if (session || starting) return send({ type: 'error', fatal: false, error: { code: 'usage', message: 'a run is already active in this engine' } });
      void run(resumeSession(command.runDir, ipcSink, { paused: command.paused, flushMs: command.flushMs }));
      return;
    case 'diagnose':
      if (session || starting) return send({ type: 'error', fatal: false, error: { code: 'usage', message: 'diagnose runs in an engine of its own, not beside a run' } });
      starting = true;
      void runDiagnoseCommand(command, ipcSink).then(exit);
      return;
    case 'shutdown':
      if (session) session.trainer.command({ type: 'stop' });
      else if (starting) early.push({ type: 'stop' });
      else exit(0);
      return;
    default:
      if (!session && starting) {
        early.push(command);
        return;
      }
      if (!session) return send({ type: 'error', fatal: false, error: { code: 'usage', message: `no active run for "${command.type}"` } });
      session.trainer.command(command);
  }
}

process.on('message', (msg: unknown) => {
  const checked = validateCommand(msg);
  if (!checked.ok) {
    send({ type: 'log', level: 'warning', message: `ignored a malformed command: ${checked.reason}` });
    return;
  }
  handle(checked.command);
});

// The host went away (window closed, host crashed): stop cleanly so the files are complete.
process.on('disconnect', () => {
  if (session) session.trainer.command({ type: 'stop' });
  else process.exit(0);
});

send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, pid: process.pid });
