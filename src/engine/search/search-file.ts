/** Reading and writing `search.json` (format in docs/search.md, types in src/shared/search-protocol.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toJson } from '../../shared/nonfinite';
import { parseSearchFile, SEARCH_FILE, type SearchFile } from '../../shared/search-protocol';
import { writeFileAtomic } from '../run/run-folder';

export { SEARCH_FILE };

export function searchFilePath(searchDir: string): string {
  return path.join(searchDir, SEARCH_FILE);
}

/** Writes search.json atomically (temp file + rename): readers see the old or the new file. */
export function writeSearchFile(searchDir: string, file: SearchFile): void {
  writeFileAtomic(searchFilePath(searchDir), toJson(file, 1) + '\n');
}

export function readSearchFile(searchDir: string): SearchFile {
  const where = searchFilePath(searchDir);
  if (!fs.existsSync(where)) throw Object.assign(new Error(`${where}: not a search folder (no ${SEARCH_FILE})`), { code: 'ENOENT', path: where });
  try {
    return parseSearchFile(fs.readFileSync(where, 'utf8'));
  } catch (e) {
    throw new Error(`${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
