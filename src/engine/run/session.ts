import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../shared/config';
import type { EngineErrorInfo, EngineEvent } from '../../shared/protocol';
import { ConfigError } from '../config/errors';
import { locate } from '../../shared/json-locations';
import { loadExperiment, resolveConfig } from '../config/validate';
import { DataError } from '../data/errors';
import { replayRunFolder } from '../../shared/run-folder';
import type { RunView } from '../../shared/run-view';
import { createRunSetup, runInfo, type RunSetup } from '../train/setup';
import { Trainer, type OnDiverge, type RunSink } from '../train/trainer';
import { createRunDir, lockRunFolder, RunFolder } from './run-folder';
import { inRunFolder, RunFolderError } from './fs-errors';

export interface StartOptions {
  configPath?: string;
  /** An already parsed config (JSON value); validated here like a file. */
  config?: unknown;
  runsDir?: string;
  /** Use exactly this folder (created if missing). */
  runDir?: string;
  mode?: 'train' | 'overfitBatch';
  paused?: boolean;
  /** Pause at the end of this epoch (a search's rung). */
  pauseAt?: number;
  /** Overrides applied after validation (CLI flags such as --epochs). */
  override?: (config: ExperimentConfig) => void;
  /** Pause a diverged run (default: the extension resumes it) or end it (the CLI). */
  onDiverge?: OnDiverge;
}

export interface Session {
  setup: RunSetup;
  trainer: Trainer;
  folder: RunFolder;
}

/** Fans points and events out to several sinks (the run folder first, so files lead what the host shows). */
export class Tee implements RunSink {
  constructor(private readonly sinks: RunSink[]) {}

  iteration(iteration: number, epoch: number, cost: number, learningRate: number): void {
    for (const s of this.sinks) s.iteration(iteration, epoch, cost, learningRate);
  }

  emit(event: EngineEvent): void {
    for (const s of this.sinks) s.emit(event);
  }
}

export function defaultRunsDir(configPath?: string): string {
  return path.join(configPath ? path.dirname(path.resolve(configPath)) : process.cwd(), '.gradient-lab', 'runs');
}

/** Validates the experiment, prepares data and model, creates the run folder and the trainer. */
export async function startSession(options: StartOptions, sink: RunSink): Promise<Session> {
  const config = options.config !== undefined
    ? resolveConfig(options.config, options.configPath)
    : loadExperiment(requirePath(options.configPath));
  options.override?.(config);
  const setup = await withLocations(options.configPath, () => createRunSetup(config, { configPath: options.configPath, mode: options.mode }));
  const dir = options.runDir ?? createRunDir(options.runsDir ?? defaultRunsDir(options.configPath), config.name);
  inRunFolder(dir, () => fs.mkdirSync(dir, { recursive: true }));
  const folder = new RunFolder(dir, { fresh: true, hold: options.onDiverge !== 'end' });
  folder.writeJson('config.json', { ...config, configPath: options.configPath ? path.resolve(options.configPath) : undefined });
  const info = runInfo(setup, path.basename(dir), dir);
  folder.writeJson('run.json', info);
  const tee = new Tee([folder, sink]);
  tee.emit({ type: 'runInfo', info });
  for (const message of setup.data.warnings) {
    tee.emit({ type: 'flag', flag: { kind: 'distributionMismatch', severity: 'warning', message, iteration: 0 } });
  }
  const trainer = new Trainer(setup, tee, folder, { paused: options.paused ?? false, pauseAt: options.pauseAt, onDiverge: options.onDiverge });
  return { setup, trainer, folder };
}

/**
 * Rebuilds a run from its folder and continues from `checkpoints/latest.json`. `history` receives
 * the run as recorded up to the checkpoint (the sink announces it to the host as a `history`).
 */
export async function resumeSession(runDir: string, sink: RunSink, options: { paused?: boolean; pauseAt?: number; history?: (view: RunView) => void; onDiverge?: OnDiverge } = {}): Promise<Session> {
  const saved = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const configPath = typeof saved.configPath === 'string' ? saved.configPath : undefined;
  delete saved.configPath;
  const config = resolveConfig(saved, path.join(runDir, 'config.json'));
  const checkpoint = RunFolder.readCheckpoint(runDir);
  const previous = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { mode?: 'train' | 'overfitBatch' };
  const setup = await createRunSetup(config, { configPath, mode: previous.mode ?? 'train' });
  // Locked first (a live engine's folder must not be truncated under it); opened after the
  // truncation, which replaces metrics.jsonl.
  inRunFolder(runDir, () => {
    lockRunFolder(runDir);
    RunFolder.truncateMetrics(runDir, checkpoint.iteration, checkpoint.epoch);
  });
  const folder = new RunFolder(runDir, { hold: options.onDiverge !== 'end' });
  const info = runInfo(setup, path.basename(runDir), runDir, { iteration: checkpoint.iteration, epoch: checkpoint.epoch });
  folder.writeJson('run.json', info);
  const tee = new Tee([folder, sink]);
  options.history?.(replayRunFolder({ ...RunFolder.contents(runDir), summary: null }));
  tee.emit({ type: 'runInfo', info });
  tee.emit({ type: 'log', level: 'info', message: `Resumed from the checkpoint at iteration ${checkpoint.iteration} (epoch ${checkpoint.epoch}).` });
  const trainer = new Trainer(setup, tee, folder, { paused: options.paused ?? false, pauseAt: options.pauseAt, checkpoint, onDiverge: options.onDiverge });
  return { setup, trainer, folder };
}

/**
 * Config problems found after validation (e.g. a sigmoid output on 10 classes) know only their
 * JSON path: add the line and column from the file so the editor can underline them.
 */
export async function withLocations<T>(configPath: string | undefined, build: () => Promise<T>): Promise<T> {
  try {
    return await build();
  } catch (e) {
    if (e instanceof DataError && e.field && configPath) locateField(e, configPath);
    if (!(e instanceof ConfigError) || !configPath || e.issues.every((i) => i.line !== undefined)) throw e;
    let text: string;
    try {
      text = fs.readFileSync(configPath, 'utf8');
    } catch {
      throw e;
    }
    throw new ConfigError(e.issues.map((i) => (i.line !== undefined ? i : { ...i, ...locate(text, i.path) })), configPath);
  }
}

/** Adds to a data error where the experiment file names the data: `(named at exp.nn.json:4:13 /data/source/csv)`. */
function locateField(e: DataError, configPath: string): void {
  const field = e.field!;
  if (field.file) return;
  let where: { line: number; column: number } | undefined;
  try {
    where = locate(fs.readFileSync(configPath, 'utf8'), field.path);
  } catch {
    where = undefined;
  }
  field.file = configPath;
  field.line = where?.line;
  field.column = where?.column;
  e.message += ` (named at ${configPath}${where ? `:${where.line}:${where.column}` : ''} ${field.path})`;
}

function requirePath(p: string | undefined): string {
  if (!p) throw new ConfigError([{ path: '', message: 'no experiment file or config given', kind: 'semantic' }]);
  return p;
}

/** User errors (config, data) carry their location; anything else is an engine bug. */
export function describeError(e: unknown): EngineErrorInfo {
  if (e instanceof ConfigError) {
    const first = e.issues[0];
    return { code: 'config', message: e.message, file: e.file, line: first?.line, column: first?.column, path: first?.path, issues: e.issues };
  }
  if (e instanceof RunFolderError) {
    return { code: 'io', message: e.message, file: e.dir };
  }
  if (e instanceof DataError) {
    return { code: 'data', message: e.message, file: e.file, line: e.line, column: e.column, path: e.field?.path };
  }
  const err = e as NodeJS.ErrnoException;
  if (err && (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR')) {
    return { code: 'io', message: err.message, file: err.path };
  }
  return { code: 'engine', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
}
