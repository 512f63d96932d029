/**
 * The engine as a child process: `child_process.fork(dist/engine.js)` from the extension host (or
 * the search process). The first command (`start` or `resumeFromCheckpoint`) arrives over Node
 * IPC; the engine answers `hello` once its run exists and takes every command, so the host's queue
 * until `hello` is the only one. Events go back as bounded telemetry (../run/telemetry). The run
 * folder is written here, so a host that dies loses nothing.
 *
 * Reattaching: the engine also listens on a private socket named in the run folder's engine.json
 * (with a token). When its host goes away (a window reload), the run keeps training and waits for
 * a host to attach there; after DETACHED_GRACE_MS without one it stops cleanly.
 *
 * Warm engines (a search): a `reusable` start makes a cleanly ended run say `runEnded` instead of
 * exiting; the process then takes the next start. Every run gets its own telemetry, backend (fresh
 * linear memory) and run folder, so a run in a reused engine computes what it would in a fresh one.
 * A run that crashed or failed to start still ends the process (its state is not trusted again).
 *
 * Fork with `serialization: 'advanced'` so NaN/Infinity and typed arrays survive the channel.
 */
import * as os from 'node:os';
import { PROTOCOL_VERSION, validateCommand, type EngineCommand, type EngineEvent } from '../../shared/protocol';
import { RUN_FILES } from '../../shared/run-folder';
import { describeError, resumeSession, startSession, type Session } from '../run/session';
import { runDiagnoseCommand } from '../diagnostics/diagnose-command';
import { Telemetry } from '../run/telemetry';
import { AttachServer, type HostLink, ipcLink } from './links';

const TELEMETRY_MS = 50;
const DETACHED_GRACE_MS = Number(process.env.GRADIENT_LAB_DETACHED_GRACE_MS ?? 60_000);

// A host that went away closed our stdout/stderr pipes too: a late warning must not end the run.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

// Below the editor and the extension host: a fast run on a busy 2-core machine must leave the UI a core.
try {
  os.setPriority(process.pid, Math.max(os.getPriority(process.pid), 10));
} catch {
  /* not permitted here: run at the inherited priority */
}

let session: Session | null = null;
let starting = false;
let link: HostLink | null = ipcLink();
let attach: AttachServer | null = null;
let graceTimer: ReturnType<typeof setTimeout> | null = null;
let attachable = false;
/** The current run was started `reusable`. */
let reusable = false;
/** A reusable run ended: commands still on their way for it are dropped until the next start. */
let between = false;

function send(event: EngineEvent): void {
  link?.send({ v: PROTOCOL_VERSION, ...event });
}

const newTelemetry = (): Telemetry => new Telemetry({ intervalMs: TELEMETRY_MS, send });
let telemetry = newTelemetry();

async function run(start: Promise<Session>): Promise<void> {
  starting = true;
  try {
    session = await start;
    if (attachable) {
      attach = await AttachServer.open(session.folder.dir, RUN_FILES.engine, (l) => onAttach(l),
        () => ({ v: PROTOCOL_VERSION, type: 'history', view: telemetry.history() }));
    }
    send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, pid: process.pid });
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
    const code = summary.state === 'finished' || summary.state === 'stopped' ? 0 : 1;
    if (reusable && code === 0 && link) endReusable(session, code);
    else exit(code);
  } catch (e) {
    // Keep what can be kept (checkpoint of the last good state, model, a 'crashed' summary), then report.
    const error = describeError(e);
    session.trainer.crash(error.message.split('\n')[0]);
    try {
      session.folder.close();
    } catch { /* the report below matters more */ }
    telemetry.emit({ type: 'error', error, fatal: true });
    exit(error.code === 'engine' ? 1 : 2);
  }
}

/** Closes the run's resources and waits for the next start; the telemetry goes first, so `runEnded` is the run's last message. */
function endReusable(ended: Session, code: number): void {
  telemetry.flush();
  telemetry.dispose();
  ended.setup.backend.dispose();
  session = null;
  reusable = false;
  between = true;
  telemetry = newTelemetry();
  send({ type: 'runEnded', code });
}

function exit(code: number): void {
  telemetry.flush();
  attach?.close();
  // Let queued messages drain before leaving.
  setTimeout(() => process.exit(code), 50);
}

/** What an engine between reusable runs still takes; the rest was meant for the run that ended. */
const OWN_COMMANDS: ReadonlySet<EngineCommand['type']> = new Set<EngineCommand['type']>(['start', 'resumeFromCheckpoint', 'diagnose', 'shutdown']);

/** A start's mode: a reusable run is never attachable (the socket outlives runs; a search's trials need none). */
function begin(command: Extract<EngineCommand, { type: 'start' | 'resumeFromCheckpoint' }>): void {
  attachable = command.attachable === true;
  reusable = command.reusable === true && !attachable;
  between = false;
}

function handle(command: EngineCommand): void {
  if (between && !session && !starting && !OWN_COMMANDS.has(command.type)) return;
  switch (command.type) {
    case 'start':
      if (session || starting) return send({ type: 'error', fatal: false, error: { code: 'usage', message: 'a run is already active in this engine' } });
      begin(command);
      void run(startSession(command, telemetry));
      return;
    case 'resumeFromCheckpoint':
      if (session || starting) return send({ type: 'error', fatal: false, error: { code: 'usage', message: 'a run is already active in this engine' } });
      begin(command);
      void run(resumeSession(command.runDir, telemetry, { paused: command.paused, pauseAt: command.pauseAt, history: (view) => telemetry.restore(view) }));
      return;
    case 'diagnose':
      if (session || starting) return send({ type: 'error', fatal: false, error: { code: 'usage', message: 'diagnose runs in an engine of its own, not beside a run' } });
      starting = true;
      void runDiagnoseCommand(command, telemetry).then(exit);
      return;
    case 'shutdown':
      if (session) session.trainer.command({ type: 'stop' });
      else exit(0);
      return;
    case 'snapshot':
      telemetry.flush();
      send({ type: 'history', view: telemetry.history() });
      return;
    default:
      if (!session) return send({ type: 'error', fatal: false, error: { code: 'usage', message: `no active run for "${command.type}"` } });
      session.trainer.command(command);
  }
}

function onMessage(msg: unknown): void {
  const checked = validateCommand(msg);
  if (!checked.ok) {
    send({ type: 'log', level: 'warning', message: `ignored a malformed command: ${checked.reason}` });
    return;
  }
  handle(checked.command);
}

/** A host attached on the socket (the window reloaded): it becomes the link, and gets the whole run. */
function onAttach(next: HostLink): void {
  link?.close();
  // Held points go into the engine's view (sent nowhere): the history below carries them.
  link = null;
  telemetry.flush();
  link = next;
  if (graceTimer) clearTimeout(graceTimer);
  graceTimer = null;
  next.onMessage(onMessage);
  next.onClose(() => detached(next));
  send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, pid: process.pid });
  if (telemetry.view.info) send({ type: 'runInfo', info: telemetry.view.info });
  send({ type: 'history', view: telemetry.history() });
}

/** The host went away (window closed or reloaded): train on, and stop cleanly if nobody attaches in time. */
function detached(from: HostLink): void {
  if (link !== from) return;
  link = null;
  if (!session) {
    if (!starting) process.exit(0);
    return;
  }
  if (!attachable) {
    session.trainer.command({ type: 'stop', reason: 'its host (the search or the window) went away' });
    return;
  }
  graceTimer ??= setTimeout(() => {
    session?.trainer.command({ type: 'stop', reason: `no VS Code window attached for ${Math.round(DETACHED_GRACE_MS / 1000)} s after the window closed` });
  }, DETACHED_GRACE_MS);
}

if (link) {
  const first = link;
  first.onMessage(onMessage);
  first.onClose(() => detached(first));
}
