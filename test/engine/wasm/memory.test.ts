import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { TsBackend } from '../../../src/engine/backend/ts-backend';
import { createWasmBackend, wasmSimdAvailable } from '../../../src/engine/backend/wasm';
import { WasmBackend } from '../../../src/engine/backend/wasm/wasm-backend';
import { Rng } from '../../../src/engine/util/rng';
import { fillUniform, relErr, suiteBackends } from './wasm-helpers';

describe('WasmBackend memory, views, threads and lifecycle', function () {
  const backends = suiteBackends();
  const ts = new TsBackend('float32');

  it('reports itself', () => {
    assert.equal(wasmSimdAvailable(), true);
    assert.deepEqual(backends.slice(0, 2).map((b) => [b.name, b.dtype, b.threads, b.variant]),
      [['wasm-simd', 'float32', 1, 'simd128'], ['wasm-simd', 'float32', 2, 'simd128']]);
    for (const b of backends.slice(2)) assert.equal(b.variant, 'relaxed-simd-fma');
  });

  it('alloc gives zero-filled Float32Arrays, 64-byte aligned', () => {
    for (const be of backends) {
      for (const n of [0, 1, 3, 1000]) {
        const x = be.alloc(n);
        assert.ok(x instanceof Float32Array);
        assert.equal(x.length, n);
        assert.equal(x.byteOffset % 64, 0);
        assert.ok(x.every((v) => v === 0));
      }
    }
  });

  it('subarray views at any float offset work in every kernel family', () => {
    const rng = new Rng(11);
    const [m, n, k] = [37, 45, 300];
    for (const be of backends) {
      const pool = be.alloc(4 * 20_000);
      // Offsets 1, 3, 5 floats: not 16-byte aligned, so the kernels' v128 accesses are unaligned.
      const a = fillUniform(pool.subarray(1, 1 + m * k), rng);
      const b = fillUniform(pool.subarray(20_003, 20_003 + k * n), rng);
      const c = pool.subarray(40_005, 40_005 + m * n);
      const ref = new Float32Array(m * n);
      for (const [tA, tB] of [[false, false], [true, false], [false, true]] as const) {
        ts.gemm(tA, tB, m, n, k, a, b, 0, ref);
        be.gemm(tA, tB, m, n, k, a, b, 0, c);
        assert.ok(relErr(c, ref) <= 1e-5);
      }
      const x = fillUniform(pool.subarray(60_001, 60_001 + 99), rng);
      const out = pool.subarray(70_003, 70_003 + 99);
      be.activationForward('tanh', 99, x, out, 0);
      const tref = new Float32Array(99);
      ts.activationForward('tanh', 99, x, tref, 0);
      assert.ok(relErr(out, tref) <= 1e-5);
      assert.ok(Math.abs(be.sumSquares(99, x) - ts.sumSquares(99, x)) < 1e-9);
    }
  });

  it('arrays stay valid after the memory grows', () => {
    for (const be of backends) {
      const early = be.alloc(1000);
      early.fill(3);
      const before = be.memoryUsage().size;
      const big = be.alloc(16 * 1024 * 1024); // 64 MiB: forces growth
      assert.ok(be.memoryUsage().size > before);
      assert.equal(early.length, 1000);
      assert.equal(early[999], 3);
      big[big.length - 1] = 2;
      // Kernels accept arrays from before and after the growth in one call.
      be.axpy(1000, 1, big.subarray(big.length - 1000), early);
      assert.equal(early[999], 5);
      assert.equal(early[0], 3);
      const c = be.alloc(64 * 64);
      const a = be.alloc(64 * 64).fill(1);
      be.gemm(false, false, 64, 64, 64, a, big, 0, c);
      assert.equal(c[0], 0);
    }
  });

  it('rejects arrays that are not its memory with a clear error', () => {
    const be = backends[0];
    const x = be.alloc(8);
    assert.throws(() => be.axpy(8, 1, new Float32Array(8), x), /not memory of this backend/);
    assert.throws(() => be.axpy(8, 1, backends[1].alloc(8), x), /not memory of this backend/);
    assert.throws(() => be.axpy(8, 1, new Float64Array(8), x), /must be a Float32Array/);
    assert.throws(() => be.axpy(9, 1, x, x), /has 8 elements, needs 9/);
    assert.throws(() => be.gemm(false, false, 2, 2, 2, x.subarray(0, 3), x, 0, x), /a has 3 elements, needs 4/);
  });

  it('is unusable after dispose, and dispose is idempotent', async () => {
    const be = await createWasmBackend(2);
    be.dispose();
    be.dispose();
    assert.throws(() => be.alloc(1), /after dispose/);
  });

  it('a synchronously created backend works before its workers report ready', () => {
    const be = new WasmBackend({ threads: 2 });
    const n = 200;
    const a = be.alloc(n * n).fill(1);
    const c = be.alloc(n * n);
    be.gemm(false, false, n, n, n, a, a, 0, c);
    assert.equal(c[n * n - 1], n);
    be.dispose();
  });

  it('threads: falls back to one thread with a note when the worker script is missing', () => {
    const be = new WasmBackend({ threads: 2, workerPath: path.join(__dirname, 'no-such-worker.js') });
    assert.equal(be.threads, 1);
    assert.match(be.notes.join(), /no-such-worker\.js not found/);
    be.dispose();
    assert.throws(() => new WasmBackend({ threads: 0 }), /threads must be a positive integer/);
  });

  it('its idle workers do not keep a process alive (no dispose)', function () {
    this.timeout(30_000);
    const src = path.resolve(__dirname, '../../../src/engine/backend/wasm/wasm-backend.ts');
    const code = `const { WasmBackend } = require(${JSON.stringify(src)});
      WasmBackend.create({ threads: 2 }).then((b) => {
        const a = b.alloc(512 * 512).fill(1); const c = b.alloc(512 * 512);
        b.gemm(false, false, 512, 512, 512, a, a, 0, c);
        console.log('done', c[0]);
      });`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', code], { encoding: 'utf8', timeout: 25_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /done 512/);
    assert.ok(Date.now() - t0 < 25_000);
  });
});
