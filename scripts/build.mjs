// Bundles the engine (child process), the CLI, the extension host and the webview with esbuild,
// after compiling the WebAssembly kernels (scripts/build-wasm.mjs) when that step exists.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
mkdirSync(path.join(root, 'dist'), { recursive: true });

const wasmStep = path.join(root, 'scripts', 'build-wasm.mjs');
if (existsSync(wasmStep)) {
  const r = spawnSync(process.execPath, [wasmStep], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// The schema the JSON language service gets: IntelliSense only (the live check reports mistakes).
const { editorSchema } = await import('./editor-schema.mjs');
const schema = JSON.parse(readFileSync(path.join(root, 'schema', 'nn.schema.json'), 'utf8'));
writeFileSync(path.join(root, 'dist', 'nn.editor.schema.json'), JSON.stringify(editorSchema(schema), null, 1) + '\n');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const nodeEntries = [
  { in: 'src/engine/process/main.ts', out: 'engine' },
  { in: 'src/engine/cli/main.ts', out: 'cli' },
  { in: 'src/engine/search/process-main.ts', out: 'search' },
  { in: 'src/engine/config/check-process.ts', out: 'check' },
  { in: 'src/engine/backend/wasm/worker.ts', out: 'kernel-worker' },
  { in: 'src/extension/extension.ts', out: 'extension' },
].filter((e) => existsSync(path.join(root, e.in)));

await build({
  ...common,
  entryPoints: nodeEntries,
  outdir: 'dist',
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
});

if (existsSync(path.join(root, 'webview/main.ts'))) {
  await build({
    ...common,
    entryPoints: { webview: 'webview/main.ts' },
    outdir: 'dist',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  });
}
