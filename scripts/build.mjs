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

/**
 * The experiment schema compiled ahead of time (ajv standalone) in place of the placeholder
 * `src/engine/config/experiment-validator.precompiled.ts`: compiling it at start-up cost each
 * engine process ≈ 0.4 s. Generated from `experimentAjv()`, so the options are the source's.
 */
const precompiledValidator = {
  name: 'precompiled-experiment-validator',
  setup(b) {
    b.onResolve({ filter: /experiment-validator\.precompiled$/ }, (args) => ({ path: args.path, namespace: 'precompiled-validator' }));
    b.onLoad({ filter: /.*/, namespace: 'precompiled-validator' }, async () => {
      const { tsImport } = await import('tsx/esm/api');
      const { precompiledValidatorSource } = await tsImport('./precompile-validator.ts', import.meta.url);
      return { contents: precompiledValidatorSource(), loader: 'js', resolveDir: root };
    });
  },
};

await build({
  ...common,
  plugins: [precompiledValidator],
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
