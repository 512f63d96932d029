/**
 * The best trial as a new experiment file: the original file's JSON (as written, not the defaults
 * filled in) with the trial's sampled values set and without the `search` block, so it trains
 * like any other `*.nn.json`. `training.epochs` is the trial's (`search.epochsPerTrial`, not the
 * file's own): the values were found best at that length, and a longer run is a different
 * experiment (more overfitting, another schedule). Relative data paths are rewritten for the new
 * file's folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../shared/config';
import type { SearchFile, TrialRecord } from '../../shared/search-protocol';
import { parsePath, setPath } from '../config/paths';
import { resolveConfig } from '../config/validate';
import { writeFileAtomic } from '../run/run-folder';
import { readSearchFile } from './search-store';

export interface ExportedConfig {
  outFile: string;
  trial: TrialRecord;
  /** The JSON written (as in the file). */
  json: Record<string, unknown>;
  /** The same, validated with defaults filled in. */
  config: ExperimentConfig;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The experiment JSON of one trial of a search (default: its best trial). Throws when there is none. */
export function trialExperiment(file: SearchFile, trialId?: number, outDir?: string): { trial: TrialRecord; json: Json } {
  const id = trialId ?? file.bestTrial;
  if (id === null || id === undefined) throw new Error('the search has no finished trial yet, so there is no best config to export');
  const trial = file.trials.find((t) => t.id === id);
  if (!trial) throw new Error(`no trial ${id} in this search`);
  if (!isObject(file.experiment)) throw new Error('search.json holds no experiment');
  let json: Json;
  if (file.space.every((d) => arraysExist(file.experiment, d.path))) {
    json = structuredClone(file.experiment);
    delete json.search;
  } else {
    // A searched path runs through a list that only the defaults hold (e.g. `model.hidden[*]`
    // with no `hidden` written): start from the resolved config instead.
    json = resolveConfig(file.experiment, file.configPath) as unknown as Json;
    delete json.search;
  }
  for (const d of file.space) {
    const value = trial.values[d.path];
    if (value !== undefined) setPath(json, d.path, value);
  }
  const training = isObject(json.training) ? json.training : (json.training = {});
  training.epochs = trial.epochs;
  json.name = `${typeof json.name === 'string' ? json.name : 'experiment'}-best`.slice(0, 100);
  if (outDir) rebaseDataPaths(json, path.dirname(file.configPath), outDir);
  return { trial, json };
}

/** Whether every list that `path` indexes exists in `json` (so setting it cannot create a partial list). */
function arraysExist(json: unknown, p: string): boolean {
  let cur: unknown = json;
  for (const s of parsePath(p)) {
    if ('key' in s) {
      cur = isObject(cur) ? cur[s.key] : undefined;
      continue;
    }
    if (!Array.isArray(cur) || cur.length === 0) return false;
    if ('index' in s && s.index >= cur.length) return false;
    cur = 'index' in s ? cur[s.index] : cur[0];
  }
  return true;
}

/** CSV / IDX paths are relative to the experiment file: keep them pointing at the same files from `toDir`. */
function rebaseDataPaths(json: Json, fromDir: string, toDir: string): void {
  if (path.resolve(fromDir) === path.resolve(toDir)) return;
  const rebase = (p: unknown): unknown => {
    if (typeof p !== 'string' || path.isAbsolute(p)) return p;
    return path.relative(toDir, path.resolve(fromDir, p)).split(path.sep).join('/');
  };
  const data = json.data;
  if (!isObject(data)) return;
  for (const key of ['source', 'dev', 'test']) {
    const src = data[key];
    if (!isObject(src)) continue;
    if (typeof src.csv === 'string') src.csv = rebase(src.csv);
    if (isObject(src.idx)) {
      src.idx.images = rebase(src.idx.images);
      src.idx.labels = rebase(src.idx.labels);
    }
  }
}

/**
 * Writes the best trial's config of the search in `searchDir` to `outFile` (validated first).
 * Returns what was written.
 */
export function exportBest(searchDir: string, outFile: string, trialId?: number): ExportedConfig {
  const file = readSearchFile(searchDir);
  const target = path.resolve(outFile);
  const { trial, json } = trialExperiment(file, trialId, path.dirname(target));
  const config = resolveConfig(json, target);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  writeFileAtomic(target, JSON.stringify(json, null, 2) + '\n');
  return { outFile: target, trial, json, config };
}
