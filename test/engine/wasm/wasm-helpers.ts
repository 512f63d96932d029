import path from 'node:path';
import {
  KERNELS_FILE, KERNELS_FMA_FILE, findArtefact, wasmSimdAvailable,
} from '../../../src/engine/backend/wasm/kernels';
import { WasmBackend } from '../../../src/engine/backend/wasm/wasm-backend';
import { Rng } from '../../../src/engine/util/rng';

/** Why the WASM tests cannot run here, or undefined when they can. */
export function wasmSkipReason(): string | undefined {
  if (!wasmSimdAvailable()) return 'this Node lacks WebAssembly SIMD or shared memory';
  if (findArtefact(KERNELS_FILE, __dirname) === undefined) {
    return `dist/${KERNELS_FILE} not built (run \`npm run build\` or \`node scripts/build-wasm.mjs\`)`;
  }
  return undefined;
}

/** Skips the enclosing suite (from a mocha `before`) with a visible reason when WASM can't run. */
export function skipWithoutWasm(ctx: Mocha.Context): void {
  const why = wasmSkipReason();
  if (why !== undefined) {
    console.warn(`    (skipping WebAssembly backend tests: ${why})`);
    ctx.skip();
  }
}

/**
 * Backends for 1 and 2 threads of each kernels build: the plain SIMD one, and the relaxed-SIMD
 * (fused multiply-add) one where it is built (its V8 flag is turned on here if Node needs it).
 * Consecutive pairs are the same build at 1 and 2 threads.
 */
export async function makeBackends(): Promise<WasmBackend[]> {
  const out = [await WasmBackend.create({ threads: 1, relaxedSimd: 'off' }),
    await WasmBackend.create({ threads: 2, relaxedSimd: 'off' })];
  const base = findArtefact(KERNELS_FILE, __dirname);
  const fma = base && path.join(path.dirname(base), KERNELS_FMA_FILE);
  const probe = fma ? new WasmBackend({ threads: 1, relaxedSimd: 'on' }) : undefined;
  if (probe?.variant === 'relaxed-simd-fma') {
    out.push(probe, await WasmBackend.create({ threads: 2, relaxedSimd: 'on' }));
  } else {
    probe?.dispose();
    console.warn('    (relaxed-SIMD kernels unavailable here: testing the plain SIMD build only)');
  }
  return out;
}

/**
 * makeBackends() for the enclosing describe: filled in its `before` (the suite is skipped, saying
 * why, where WebAssembly cannot run) and disposed in its `after`. The array is filled in place.
 */
export function suiteBackends(): WasmBackend[] {
  const backends: WasmBackend[] = [];
  before(async function () {
    skipWithoutWasm(this);
    backends.push(...(await makeBackends()));
  });
  after(() => {
    backends.forEach((b) => b.dispose());
    backends.length = 0;
  });
  return backends;
}

/**
 * The plain float32 loop for C = op(A)·op(B) + beta·C (A stored k×m when transA, B stored n×k when
 * transB): s = fl(s + fl(a·b)) for p = 0, 1, …, then fl(c + s) when beta is 1. The bits a
 * non-fused kernel must give.
 */
export function scalarGemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: ArrayLike<number>, b: ArrayLike<number>, beta: 0 | 1, c: ArrayLike<number>): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s = Math.fround(s + Math.fround(a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j]));
      out[i * n + j] = beta ? Math.fround(c[i * n + j] + s) : s;
    }
  }
  return out;
}

/** "1T simd128" etc., for messages. */
export function label(b: WasmBackend): string {
  return `${b.threads}T ${b.variant}`;
}

export function fillUniform(x: Float32Array, rng: Rng, lo = -1, hi = 1): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] = rng.range(lo, hi);
  return x;
}

/** max |got − ref| / max |ref| over the first n entries (the ∞-norm relative error). */
export function relErr(got: ArrayLike<number>, ref: ArrayLike<number>, n = ref.length): number {
  let d = 0;
  let r = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(got[i]) !== Number.isNaN(ref[i])) return Infinity;
    if (Number.isNaN(ref[i])) continue;
    d = Math.max(d, Math.abs(got[i] - ref[i]));
    r = Math.max(r, Math.abs(ref[i]));
  }
  return r === 0 ? d : d / r;
}

export function sameBits(x: Float32Array, y: Float32Array): boolean {
  const a = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const b = new Uint32Array(y.buffer, y.byteOffset, y.length);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
