/** Reading and writing `search.json` (format in docs/search.md, types in src/shared/search-protocol.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toJson } from '../../shared/nonfinite';
import { parseSearchFile, SEARCH_FILE, type SearchFile } from '../../shared/search-protocol';
import { DataError } from '../data/errors';
import { writeFileAtomic } from '../run/run-folder';

export { SEARCH_FILE };

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
