/**
 * Which kernels build a run gets: the relaxed-SIMD (FMA) build by default wherever the runtime can
 * validate it (on Node 20 once V8's flag is turned on, as VS Code's Electron does by itself), the
 * plain build with 'off'. Asked in a fresh process: V8's flag is process-wide, and another test
 * turning it on would let an 'auto' that never turns it on pass here.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { findArtefact, KERNELS_FILE, KERNELS_FMA_FILE } from '../../../src/engine/backend/wasm/kernels';
import { skipWithoutWasm } from './wasm-helpers';

const root = path.join(__dirname, '..', '..', '..');

/** kernelModule(undefined, mode).variant for each mode in order, in a new Node process. */
function variants(...modes: string[]): string[] {
  const script = `const { kernelModule } = require(${JSON.stringify(path.join(root, 'src/engine/backend/wasm/kernels.ts'))});`
    + `console.log(JSON.stringify(${JSON.stringify(modes)}.map((m) => kernelModule(undefined, m).variant)));`;
  return JSON.parse(execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: root, encoding: 'utf8' })) as string[];
}

describe('WasmBackend kernel build choice', function () {
  this.timeout(30000);
  before(function () {
    skipWithoutWasm(this);
  });

  it("'auto' (the default) takes the relaxed-SIMD FMA build on this runtime; 'off' the plain one", function () {
    const base = findArtefact(KERNELS_FILE);
    if (!base || !existsSync(path.join(path.dirname(base), KERNELS_FMA_FILE))) this.skip();
    assert.deepEqual(variants('auto'), ['relaxed-simd-fma'], 'auto, first in a fresh process');
    assert.deepEqual(variants('off', 'on'), ['simd128', 'relaxed-simd-fma']);
  });
});
