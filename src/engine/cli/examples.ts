import * as fs from 'node:fs';
import * as path from 'node:path';

/** The shipped `examples/` folder, found from the bundle (dist/) or from sources (src/engine/cli). */
export function repoExamplesDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'examples');
    if (fs.existsSync(path.join(candidate, 'moons.nn.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`examples/ not found above ${__dirname}`);
  }
}
