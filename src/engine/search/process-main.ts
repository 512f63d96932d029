/**
 * The hyperparameter search as a child process (`dist/search.js`), forked by a host exactly like
 * the engine: `fork(dist/search.js, [], { serialization: 'advanced' })`, then commands and events
 * from `src/shared/search-protocol.ts`, every message carrying `v`. The search forks one engine
 * per trial itself. The process exits when the search has ended (after `finished`), or after an
 * `exportBest` sent without an active search.
 */
import {
  SEARCH_PROTOCOL_VERSION,
  validateSearchCommand,
  type SearchCommand,
  type SearchEvent,
} from '../../shared/search-protocol';
import { describeError } from '../run/session';
import { exportBest } from './export';
import { SearchRunner } from './runner';

let runner: SearchRunner | null = null;

function send(event: SearchEvent): void {
  if (process.send && process.connected) process.send({ v: SEARCH_PROTOCOL_VERSION, ...event });
}

function sendError(e: unknown, fatal: boolean): string {
  const info = describeError(e);
  send({ type: 'error', fatal, message: info.message, code: info.code, file: info.file, line: info.line, column: info.column, path: info.path });
  return info.code;
}

function usage(message: string): void {
  send({ type: 'error', fatal: false, code: 'usage', message });
}

function exit(code: number): void {
  // Let queued IPC messages drain before leaving.
  setTimeout(() => process.exit(code), 50);
}

function attach(r: SearchRunner): void {
  runner = r;
  r.onAny(send);
  r.run().then(() => exit(0), (e: unknown) => {
    sendError(e, true);
    exit(1);
  });
}

function open(create: () => SearchRunner): void {
  if (runner) return usage('a search is already active in this process');
  try {
    attach(create());
  } catch (e) {
    const code = sendError(e, true);
    exit(code === 'engine' ? 1 : 2);
  }
}

function control(what: string, action: (r: SearchRunner) => boolean | void): void {
  if (!runner) return usage(`no active search for "${what}"`);
  try {
    if (action(runner) === false) send({ type: 'log', level: 'warning', message: `${what}: nothing to do in the trial's current state` });
  } catch (e) {
    sendError(e, false);
  }
}

function handle(command: SearchCommand): void {
  switch (command.type) {
    case 'start':
      return open(() => SearchRunner.create({ configPath: command.configPath, runsDir: command.runsDir, trials: command.trials, parallel: command.parallel }));
    case 'resume':
      return open(() => SearchRunner.resume(command.searchDir, { parallel: command.parallel, addTrials: command.addTrials }));
    case 'pauseTrial':
      return control('pauseTrial', (r) => r.pauseTrial(command.id));
    case 'resumeTrial':
      return control('resumeTrial', (r) => r.resumeTrial(command.id));
    case 'killTrial':
      return control('killTrial', (r) => r.killTrial(command.id));
    case 'promoteTrial':
      return control('promoteTrial', (r) => r.promoteTrial(command.id));
    case 'subscribe':
      return control('subscribe', (r) => r.subscribe(command.id, command.on));
    case 'trialCommand':
      return control('trialCommand', (r) => r.trialCommand(command.id, command.command));
    case 'addTrials':
      return control('addTrials', (r) => {
        r.addTrials(command.count);
      });
    case 'stop':
      if (runner) void runner.stop();
      else exit(0);
      return;
    case 'exportBest': {
      const dir = command.searchDir ?? runner?.dir;
      if (!dir) return usage('exportBest needs "searchDir" when no search is active');
      try {
        const out = exportBest(dir, command.outFile);
        send({ type: 'exported', outFile: out.outFile, trialId: out.trial.id, ...(command.requestId ? { requestId: command.requestId } : {}) });
        if (!runner) exit(0);
      } catch (e) {
        sendError(e, !runner);
        if (!runner) exit(2);
      }
      return;
    }
  }
}

process.on('message', (msg: unknown) => {
  const checked = validateSearchCommand(msg);
  if (!checked.ok) {
    send({ type: 'log', level: 'warning', message: `ignored a malformed command: ${checked.reason}` });
    return;
  }
  handle(checked.command);
});

// The host went away: stop the trials cleanly (search.json stays consistent), then leave.
process.on('disconnect', () => {
  if (runner) void runner.stop().then(() => process.exit(0));
  else process.exit(0);
});

send({ type: 'hello', protocolVersion: SEARCH_PROTOCOL_VERSION, pid: process.pid });
