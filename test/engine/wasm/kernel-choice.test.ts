/**
 * Which kernels build a run gets: the relaxed-SIMD (FMA) build by default wherever the runtime can
 * validate it (on Node 20 once V8's flag is turned on, as VS Code's Electron does by itself), the
 * plain build with 'off'.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { findArtefact, kernelModule, KERNELS_FILE, KERNELS_FMA_FILE } from '../../../src/engine/backend/wasm/kernels';
import { skipWithoutWasm } from './wasm-helpers';

describe('WasmBackend kernel build choice', function () {
  before(function () {
    skipWithoutWasm(this);
  });

  it("'auto' (the default) takes the relaxed-SIMD FMA build on this runtime; 'off' the plain one", function () {
    const base = findArtefact(KERNELS_FILE);
    if (!base || !existsSync(path.join(path.dirname(base), KERNELS_FMA_FILE))) this.skip();
    assert.equal(kernelModule(undefined, 'off').variant, 'simd128');
    assert.equal(kernelModule(undefined, 'auto').variant, 'relaxed-simd-fma');
    assert.equal(kernelModule(undefined, 'on').variant, 'relaxed-simd-fma');
  });
});
