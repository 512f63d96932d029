// Compiles the in-VS-Code suite (test/vscode/suite/*.ts) to out/test/vscode/suite/*.js (CommonJS,
// `vscode` and mocha left to the extension host). The extension itself is built by scripts/build.mjs.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const suiteDir = path.join(root, 'test', 'vscode', 'suite');
const outdir = path.join(root, 'out', 'test', 'vscode', 'suite');
rmSync(outdir, { recursive: true, force: true });
const entryPoints = readdirSync(suiteDir).filter((f) => f.endsWith('.ts')).map((f) => path.join(suiteDir, f));
await build({
  entryPoints,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
  absWorkingDir: root,
});
console.log(`[test/vscode] compiled ${entryPoints.length} files to ${path.relative(root, outdir)}`);
