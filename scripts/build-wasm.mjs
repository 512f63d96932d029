// Compiles the AssemblyScript kernels (assembly/*.ts) twice: dist/kernels.wasm (128-bit SIMD, runs
// wherever WebAssembly SIMD does) and dist/kernels-fma.wasm (plus relaxed SIMD: fused multiply-add
// in the GEMM micro-kernel; used where the engine validates it, e.g. V8 ≥ 11.4 / Electron ≥ 25).
// Run by scripts/build.mjs before bundling; skipped when both are newer than every source and this
// script (--force rebuilds anyway).
//
// Flags: -O3 with no asserts; threads so that the memory can be declared shared; the memory is
// imported (env.memory) and never exported, so every worker instantiates the module over the one
// shared memory; the stub runtime and no data segments, so instantiation writes nothing.
import asc from 'assemblyscript/asc';
import { mkdirSync, readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..');
const srcDir = path.join(root, 'assembly');
const targets = [
  { file: 'dist/kernels.wasm', features: ['simd'] },
  { file: 'dist/kernels-fma.wasm', features: ['simd', 'relaxed-simd'] },
];
const force = process.argv.includes('--force');

const sources = readdirSync(srcDir).filter((f) => f.endsWith('.ts')).map((f) => path.join(srcDir, f));
const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs), statSync(self).mtimeMs);
const stale = (file) => !existsSync(path.join(root, file)) || statSync(path.join(root, file)).mtimeMs < newest;
if (!force && !targets.some((t) => stale(t.file))) process.exit(0);

mkdirSync(path.join(root, 'dist'), { recursive: true });
for (const { file, features } of targets) {
  const args = [
    'assembly/index.ts',
    '--baseDir', root,
    '--outFile', file,
    '--optimizeLevel', '3',
    '--shrinkLevel', '0',
    '--noAssert',
    '--runtime', 'stub',
    ...features.flatMap((f) => ['--enable', f]),
    '--enable', 'threads',
    '--importMemory',
    '--sharedMemory',
    '--maximumMemory', '65536',
    '--noExportMemory',
  ];
  const { error, stderr } = await asc.main(args, { stdout: process.stdout, stderr: process.stderr });
  if (error) {
    console.error(`build-wasm: ${file}: ${error.message}`);
    console.error(stderr.toString());
    process.exit(1);
  }
  console.log(`build-wasm: ${file} (${statSync(path.join(root, file)).size} bytes)`);
}
