/** The experiment templates shipped in the extension's `examples/` folder (course lessons included). */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface Template {
  file: string;
  /** Path relative to examples/, with forward slashes. */
  relative: string;
  name: string;
  description?: string;
}

async function walk(dir: string, depth: number, out: string[]): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth > 0) await walk(p, depth - 1, out);
    else if (e.isFile() && e.name.endsWith('.nn.json')) out.push(p);
  }
}

export async function listTemplates(examplesDir: string): Promise<Template[]> {
  const files: string[] = [];
  await walk(examplesDir, 2, files);
  const templates = await Promise.all(files.map(async (file): Promise<Template> => {
    const relative = path.relative(examplesDir, file).split(path.sep).join('/');
    let name = path.basename(file, '.nn.json');
    let description: string | undefined;
    try {
      const json = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
      if (typeof json.name === 'string') name = json.name;
      for (const key of ['description', '$comment', 'comment']) {
        if (typeof json[key] === 'string') {
          description = json[key] as string;
          break;
        }
      }
    } catch {
      // A template that does not parse is still listed; the schema will point at the problem.
    }
    return { file, relative, name, description };
  }));
  // Top-level examples first, then lessons (sub-folders) in name order.
  return templates.sort((a, b) => Number(a.relative.includes('/')) - Number(b.relative.includes('/')) || a.relative.localeCompare(b.relative));
}

/** `name.nn.json`, or `name-2.nn.json`… when taken. */
export async function uniqueFile(dir: string, fileName: string): Promise<string> {
  const base = fileName.replace(/\.nn\.json$/, '');
  for (let k = 1; ; k++) {
    const candidate = path.join(dir, k === 1 ? `${base}.nn.json` : `${base}-${k}.nn.json`);
    try {
      await fs.access(candidate);
    } catch {
      return candidate;
    }
  }
}
