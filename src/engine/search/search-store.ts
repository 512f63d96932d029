/**
 * A search folder on disk: `search.json` (format in docs/search.md, types in
 * src/shared/search-protocol.ts), read with located errors and written atomically, and the
 * `search.pid` lock that keeps a second search process off the folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toJson } from '../../shared/nonfinite';
import type { ExperimentConfig, SearchConfig } from '../../shared/config';
import {
  isTerminalTrialState, parseSearchFile, SEARCH_FILE, SEARCH_FILE_VERSION, SEARCH_LOCK_FILE, searchBudget, type SearchFile,
} from '../../shared/search-protocol';
import { rungPlan } from '../../shared/search-rungs';
import { DataError } from '../data/errors';
import { writeFileAtomic } from '../run/atomic-write';
import { releasePidLock, takePidLock } from '../util/pid-lock';
import { dimensionsOf, searchSeed } from './sampling';

export { SEARCH_FILE };

/**
 * The search.json of a running search: `write()` at once (state changes), `writeSoon()` at most
 * every `throttleMs` (epochs: a fast search changes its trials hundreds of times a second).
 */
export class SearchStore {
  private timer: NodeJS.Timeout | null = null;
  private lastWrite = 0;

  constructor(readonly dir: string, readonly file: SearchFile, private readonly throttleMs = 500) {}

  /** An existing search folder's store (a located error when its search.json is not one). */
  static open(dir: string, throttleMs?: number): SearchStore {
    return new SearchStore(dir, readSearchFile(dir), throttleMs);
  }

  /**
   * Makes a stopped or interrupted search runnable again: finished, killed, pruned and failed
   * trials are kept, the others are queued (one waiting at an ASHA rung stays there).
   */
  reopen(): void {
    for (const t of this.file.trials) {
      if (t.pausedAtRung !== undefined && !isTerminalTrialState(t.state)) {
        t.state = 'paused';
      } else if (!isTerminalTrialState(t.state) || t.state === 'stopped') {
        t.state = 'queued';
        delete t.endedAt;
        delete t.error;
      }
    }
    this.file.state = 'running';
  }

  /** Claims the folder for this process: a second runner on it would start the same trials twice. */
  lock(): void {
    const lock = path.join(this.dir, SEARCH_LOCK_FILE);
    takePidLock(lock, (pid) => new Error(pid === null
      ? `the search in ${this.dir} is being started by another process at this moment`
      : `the search in ${this.dir} is still running (process ${pid}); stop it first (or delete ${lock} if that process is not a search)`));
  }

  unlock(): void {
    releasePidLock(path.join(this.dir, SEARCH_LOCK_FILE));
  }

  write(): void {
    this.cancel();
    this.file.updatedAt = new Date().toISOString();
    this.file.budget = searchBudget(this.file.trials);
    writeSearchFile(this.dir, this.file);
    this.lastWrite = Date.now();
  }

  writeSoon(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.throttleMs - (Date.now() - this.lastWrite));
    this.timer = setTimeout(() => this.write(), wait);
  }

  /** Drops a pending `writeSoon` (the search has ended: its last write follows). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** A new search's search.json: no rounds or trials yet; `experiment` is the file as written (for export). */
export function newSearchFile(
  config: ExperimentConfig & { search: SearchConfig }, experiment: unknown, configPath: string, trialsPerRound: number, parallel: number,
): SearchFile {
  const s = config.search;
  const now = new Date().toISOString();
  const file: SearchFile = {
    version: SEARCH_FILE_VERSION,
    name: config.name,
    configPath,
    createdAt: now,
    updatedAt: now,
    state: 'running',
    seed: searchSeed(config),
    metric: s.metric,
    mode: s.mode,
    trialsPerRound,
    rounds: s.rounds,
    keepTop: s.keepTop,
    parallel,
    epochsPerTrial: s.epochsPerTrial ?? config.training.epochs,
    earlyTermination: { ...s.earlyTermination },
    space: dimensionsOf(s.space),
    roundBoxes: [],
    trials: [],
    bestTrial: null,
    experiment,
  };
  const plan = rungPlan(file.earlyTermination, file.epochsPerTrial);
  if (plan) file.rungs = plan.brackets;
  return file;
}

export function searchFilePath(searchDir: string): string {
  return path.join(searchDir, SEARCH_FILE);
}

/** Writes search.json atomically (temp file + rename): readers see the old or the new file. */
export function writeSearchFile(searchDir: string, file: SearchFile): void {
  writeFileAtomic(searchFilePath(searchDir), toJson(file, 1) + '\n');
}

/**
 * search.json as written by a search, or a located user error naming the file: missing, empty,
 * torn (a crash mid-write with an older tool), not JSON, or a JSON value that is not a search file.
 */
export function readSearchFile(searchDir: string): SearchFile {
  const where = searchFilePath(searchDir);
  if (!fs.existsSync(where)) throw Object.assign(new Error(`${where}: not a search folder (no ${SEARCH_FILE})`), { code: 'ENOENT', path: where });
  let text: string;
  try {
    text = fs.readFileSync(where, 'utf8');
  } catch (e) {
    throw new DataError(where, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (!text.trim()) throw new DataError(where, 'empty: the search file was not written completely; start the search again');
  try {
    JSON.parse(text);
  } catch (e) {
    const { line, column } = syntaxLocation(text, e);
    throw new DataError(where, `not valid JSON (${(e as Error).message.replace(/ in JSON at position \d+.*$/, '')}): the file is damaged or half-written`, line, column);
  }
  let file: SearchFile;
  try {
    file = parseSearchFile(text);
  } catch (e) {
    throw new DataError(where, e instanceof Error ? e.message : String(e));
  }
  const problem = shapeProblem(file);
  if (problem) throw new DataError(where, `not a complete search file: ${problem}`);
  return file;
}

/** Line and column of a JSON.parse error (its message gives the offset). */
function syntaxLocation(text: string, e: unknown): { line?: number; column?: number } {
  const m = /position (\d+)/.exec(String((e as Error).message));
  const at = m ? Number(m[1]) : text.length;
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** The first field a search file must have and lacks (what resume and export read); null when whole. */
function shapeProblem(f: SearchFile): string | null {
  const obj = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
  const num = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  const top: [string, (v: unknown) => boolean, string][] = [
    ['name', (v) => typeof v === 'string', 'a string'], ['configPath', (v) => typeof v === 'string', 'a string'],
    ['seed', num, 'a number'], ['metric', (v) => typeof v === 'string', 'a string'], ['mode', (v) => v === 'min' || v === 'max', '"min" or "max"'],
    ['trialsPerRound', num, 'a number'], ['rounds', num, 'a number'], ['keepTop', num, 'a number'], ['parallel', num, 'a number'],
    ['epochsPerTrial', num, 'a number'], ['experiment', obj, 'an object'],
  ];
  const record = f as unknown as Record<string, unknown>;
  for (const [key, ok, what] of top) if (!ok(record[key])) return `"${key}" must be ${what}`;
  for (const [i, d] of f.space.entries()) {
    if (!obj(d) || typeof d.path !== 'string' || typeof d.scale !== 'string') return `space[${i}] must be a dimension with "path" and "scale"`;
  }
  for (const [i, b] of f.roundBoxes.entries()) if (!obj(b)) return `roundBoxes[${i}] must be an object`;
  for (const [i, t] of f.trials.entries()) {
    if (!obj(t)) return `trials[${i}] must be an object`;
    if (!num(t.id) || typeof t.state !== 'string' || !obj(t.values) || !obj(t.coords ?? {}) || !(t.runDir === null || typeof t.runDir === 'string')) {
      return `trials[${i}] lacks "id", "state", "values" or "runDir"`;
    }
  }
  return null;
}
