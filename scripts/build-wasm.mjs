// Compiles the AssemblyScript kernels (assembly/*.ts) to dist/kernels.wasm. Run by scripts/build.mjs
// before bundling; skipped when the .wasm is newer than every source and this script (--force
// rebuilds anyway).
//
// Flags: -O3 with no asserts; 128-bit SIMD; threads so that the memory can be declared shared;
// the memory is imported (env.memory) and never exported, so every worker instantiates the module
// over the one shared memory; the stub runtime and no data segments, so instantiation writes nothing.
import asc from 'assemblyscript/asc';
import { mkdirSync, readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..');
const srcDir = path.join(root, 'assembly');
const out = path.join(root, 'dist', 'kernels.wasm');
const force = process.argv.includes('--force');

const sources = readdirSync(srcDir).filter((f) => f.endsWith('.ts')).map((f) => path.join(srcDir, f));
const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs), statSync(self).mtimeMs);
if (!force && existsSync(out) && statSync(out).mtimeMs >= newest) process.exit(0);

mkdirSync(path.dirname(out), { recursive: true });
const args = [
  'assembly/index.ts',
  '--baseDir', root,
  '--outFile', 'dist/kernels.wasm',
  '--optimizeLevel', '3',
  '--shrinkLevel', '0',
  '--noAssert',
  '--runtime', 'stub',
  '--enable', 'simd',
  '--enable', 'threads',
  '--importMemory',
  '--sharedMemory',
  '--maximumMemory', '65536',
  '--noExportMemory',
];
const { error, stderr } = await asc.main(args, { stdout: process.stdout, stderr: process.stderr });
if (error) {
  console.error(`build-wasm: ${error.message}`);
  console.error(stderr.toString());
  process.exit(1);
}
console.log(`build-wasm: ${path.relative(root, out)} (${statSync(out).size} bytes)`);
