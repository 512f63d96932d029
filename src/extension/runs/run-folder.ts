/**
 * Reads run folders (format: src/shared/run-folder.ts, docs/run-folder.md): discovery of the runs
 * folder, a cheap header (run.json + summary.json + checkpoint presence) for the Runs tree, and
 * the full replay through the shared `replayRunFolder`. The host only reads; engines write.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fromJson } from '../../shared/nonfinite';
import type { RunInfo, RunSummary } from '../../shared/protocol';
import { float64Column, replayRunFolder, RUN_FILES, runFolderCsv, type RunFolderContents } from '../../shared/run-folder';
import type { RunView } from '../../shared/run-view';

export { RUN_FILES };

export interface RunFolderHeader {
  runId: string;
  runDir: string;
  info: RunInfo | null;
  summary: RunSummary | null;
  hasCheckpoint: boolean;
  /** engine.json is there: an engine may still be training it (a window reloaded). */
  hasEngine: boolean;
  configPath?: string;
  /** Last modification of the folder's newest known file (ms since epoch). */
  modified: number;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return fromJson(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** Modification time in ms; 0 when the file is missing or unreadable. */
export async function fileMtime(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).mtimeMs;
  } catch {
    return 0;
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Sub-folders of `runsDir` that look like run folders (hold run.json, config.json or metrics.jsonl). */
export function discoverRunFolders(runsDir: string): Promise<string[]> {
  return discoverFolders(runsDir, [RUN_FILES.info, RUN_FILES.config, RUN_FILES.metrics]);
}

/** Sub-folders of `runsDir` holding any of `markers`, newest name first (names start with a timestamp). */
export async function discoverFolders(runsDir: string, markers: readonly string[]): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(runsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  await Promise.all(entries.filter((e) => e.isDirectory()).map(async (e) => {
    const dir = path.join(runsDir, e.name);
    for (const marker of markers) {
      if (await fileExists(path.join(dir, marker))) {
        found.push(dir);
        return;
      }
    }
  }));
  return found.sort().reverse();
}

/** The cheap part of a run folder: enough for a tree row, no metrics parsing. */
export async function readRunHeader(runDir: string): Promise<RunFolderHeader> {
  const [info, summary, config, hasCheckpoint, hasEngine] = await Promise.all([
    readJson(path.join(runDir, RUN_FILES.info)),
    readJson(path.join(runDir, RUN_FILES.summary)),
    readJson(path.join(runDir, RUN_FILES.config)),
    fileExists(path.join(runDir, RUN_FILES.checkpoint)),
    fileExists(path.join(runDir, RUN_FILES.engine)),
  ]);
  const runInfo = isObject(info) && typeof info.runId === 'string' ? (info as unknown as RunInfo) : null;
  const runSummary = isObject(summary) && typeof summary.state === 'string' ? (summary as unknown as RunSummary) : null;
  const configPath = runInfo?.configPath ?? (isObject(config) && typeof config.configPath === 'string' ? config.configPath : undefined);
  const times = await Promise.all([RUN_FILES.costs, RUN_FILES.metrics, RUN_FILES.events, RUN_FILES.summary, RUN_FILES.info].map((f) => fileMtime(path.join(runDir, f))));
  return {
    // The folder name is the run id (the engine names folders <timestamp>-<name>); run.json may say otherwise.
    runId: runInfo?.runId ?? path.basename(runDir),
    runDir, info: runInfo, summary: runSummary, hasCheckpoint, hasEngine, configPath, modified: Math.max(...times),
  };
}

async function readFloat64(file: string): Promise<Float64Array> {
  try {
    return float64Column(await fs.readFile(file));
  } catch {
    return new Float64Array(0);
  }
}

/** Everything the replay and the CSV export read, from disk. */
export async function readRunFolder(runDir: string, header?: RunFolderHeader): Promise<RunFolderContents> {
  const h = header ?? await readRunHeader(runDir);
  const text = async (f: string): Promise<string> => {
    try {
      return await fs.readFile(path.join(runDir, f), 'utf8');
    } catch {
      return '';
    }
  };
  const [costs, learningRates, metricsText, eventsText] = await Promise.all([
    readFloat64(path.join(runDir, RUN_FILES.costs)), readFloat64(path.join(runDir, RUN_FILES.learningRates)),
    text(RUN_FILES.metrics), text(RUN_FILES.events),
  ]);
  return { runId: h.runId, runDir, info: h.info, summary: h.summary, hasCheckpoint: h.hasCheckpoint, costs, learningRates, metricsText, eventsText };
}

/** Full replay of a run folder from disk. */
export async function loadRunFolder(runDir: string, header?: RunFolderHeader): Promise<RunView> {
  return replayRunFolder(await readRunFolder(runDir, header));
}

/** The run's metrics as CSV, lossless, from its files. */
export async function runCsv(runDir: string): Promise<string> {
  return runFolderCsv(await readRunFolder(runDir));
}
