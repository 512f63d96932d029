/** Reading and writing `search.json` (format in docs/search.md, types in src/shared/search-protocol.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SEARCH_FILE_VERSION, type SearchFile } from '../../shared/search-protocol';
import { writeFileAtomic } from '../run/run-folder';

export const SEARCH_FILE = 'search.json';

export function searchFilePath(searchDir: string): string {
  return path.join(searchDir, SEARCH_FILE);
}

/** Writes search.json atomically (temp file + rename): readers see the old or the new file. */
export function writeSearchFile(searchDir: string, file: SearchFile): void {
  writeFileAtomic(searchFilePath(searchDir), JSON.stringify(file, finiteReplacer, 1) + '\n');
}

export function readSearchFile(searchDir: string): SearchFile {
  const where = searchFilePath(searchDir);
  if (!fs.existsSync(where)) throw Object.assign(new Error(`${where}: not a search folder (no ${SEARCH_FILE})`), { code: 'ENOENT', path: where });
  const value = JSON.parse(fs.readFileSync(where, 'utf8')) as SearchFile;
  if (typeof value !== 'object' || value === null || !Array.isArray(value.trials) || !Array.isArray(value.space)) {
    throw new Error(`${where}: not a Gradient Lab search file`);
  }
  if (value.version !== SEARCH_FILE_VERSION) throw new Error(`${where}: search file version ${String(value.version)} is not supported (expected ${SEARCH_FILE_VERSION})`);
  for (const t of value.trials) {
    t.metric = revive(t.metric);
    t.curve = (t.curve ?? []).map(revive);
  }
  return value;
}

/** JSON has no NaN/Infinity: they are written as strings (as in run folders) and read back as numbers. */
function finiteReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

function revive(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
  return null;
}
