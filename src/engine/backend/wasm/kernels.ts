import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';

/** The exports of dist/kernels.wasm (assembly/index.ts). Pointers are byte offsets. */
export interface KernelExports {
  workFloats(): number;
  microRows(): number;
  kBlock(k: number): number;
  gemmPacked(transA: number, transB: number, m: number, n: number, k: number, a: number, b: number, beta: number,
    c: number, i0: number, i1: number, j0: number, j1: number, work: number): void;
  packedFloats(rowsOrCols: number, k: number, unit: number): number;
  packARows(transA: number, m: number, k: number, a: number, dst: number, r0: number, r1: number): void;
  packBCols(transB: number, n: number, k: number, b: number, dst: number, c0: number, c1: number): void;
  gemmColumns(transB: number, m: number, n: number, k: number, pa: number, b: number, beta: number, c: number,
    j0: number, j1: number, work: number): void;
  gemmRows(transA: number, m: number, n: number, k: number, a: number, pb: number, beta: number, c: number,
    i0: number, i1: number, work: number): void;
  gemmSmall(transA: number, transB: number, m: number, n: number, k: number, a: number, b: number, beta: number,
    c: number): void;
  /** C = A·Bᵀ + beta·C for k < 4 through the NN path (work: n·k floats of scratch). */
  gemmSmallNTNarrowK(m: number, n: number, k: number, a: number, b: number, beta: number, c: number, work: number): void;
  addRowVector(rows: number, cols: number, x: number, bias: number, out: number): void;
  /** gemmSmall NN, then addRowVector (bias ≠ 0), then activationForward (kind ≥ 0), in one call. */
  denseForwardSmall(m: number, n: number, k: number, x: number, w: number, bias: number, z: number, kind: number, a: number,
    alpha: number): void;
  sumRows(rows: number, cols: number, x: number, out: number): void;
  activationForward(kind: number, n: number, z: number, a: number, alpha: number): void;
  activationBackward(kind: number, n: number, z: number, a: number, dA: number, dZ: number, alpha: number): void;
  mul(n: number, x: number, y: number, out: number): void;
  axpy(n: number, alpha: number, x: number, y: number): void;
  axpySign(n: number, alpha: number, x: number, y: number): void;
  sumSquares(n: number, x: number): number;
  sumSquaresEach(count: number, list: number, out: number): void;
  sumAbs(n: number, x: number): number;
  dropoutMask(n: number, keepProb: number, scale: number, state: number, out: number): void;
  gatherRows(rows: number, features: number, src: number, idx: number, out: number): void;
  gatherCoded(rows: number, features: number, codes: number, idx: number, table: number, out: number): void;
  /** ld: row stride in elements (cols may be a column slice of the batch). */
  batchNormTrainForward(rows: number, cols: number, ld: number, z: number, gamma: number, beta: number, epsilon: number,
    mean: number, variance: number, invStd: number, zHat: number, out: number): void;
  batchNormBackward(rows: number, cols: number, ld: number, dOut: number, zHat: number, gamma: number, invStd: number,
    dGamma: number, dBeta: number, dz: number): void;
  batchNormInferForward(rows: number, cols: number, z: number, gamma: number, beta: number, runningMean: number,
    runningVar: number, epsilon: number, out: number): void;
  /** Σ of the sigmoid-BCE row losses (compensated), and dz when dz ≠ 0 (assembly/loss.ts). y: float64 targets. */
  sigmoidBceLoss(n: number, z: number, y: number, dz: number, invM: number, scratch: number): number;
  expMsun(x: number): number;
  log1pMsun(x: number): number;
  /** oneMinus* are 1 − β computed in f64 by the host (see assembly/optim.ts). */
  momentumUpdate(n: number, w: number, g: number, v: number, lr: number, beta: number, oneMinusBeta: number): void;
  rmspropUpdate(n: number, w: number, g: number, s: number, lr: number, beta2: number, oneMinusBeta2: number,
    epsilon: number): void;
  adamUpdate(n: number, w: number, g: number, m: number, v: number, lr: number, beta1: number, oneMinusBeta1: number,
    beta2: number, oneMinusBeta2: number, epsilon: number, invBc1: number, invBc2: number): void;
}

export const KERNELS_FILE = 'kernels.wasm';
export const KERNELS_FMA_FILE = 'kernels-fma.wasm';
export const WORKER_FILE = 'kernel-worker.js';

/** Which build runs: plain 128-bit SIMD, or relaxed SIMD with a fused multiply-add GEMM kernel. */
export type KernelVariant = 'simd128' | 'relaxed-simd-fma';

/**
 * Whether to use the relaxed-SIMD build (its GEMM uses f32x4.relaxed_madd: fused where the CPU has
 * FMA, so 20–60 % faster there, and bit-reproducible on one machine but not across CPUs with and
 * without FMA): 'auto' and 'on' wherever the engine validates relaxed SIMD, as it is (V8 ≥ 11.4:
 * Electron ≥ 25, Node ≥ 21) or once V8's --experimental-wasm-relaxed-simd is turned on (Node 20 ships
 * the finished feature behind it); 'off' never (the plain build: the same bits on every machine).
 * Falls back to the plain build where neither validates or the FMA build is missing; 'on' then
 * says why. Default: GRADIENT_LAB_RELAXED_SIMD or 'auto'.
 */
export type RelaxedSimdMode = 'auto' | 'on' | 'off';

/**
 * Finds a build artefact: next to the running bundle (dist/engine.js, dist/cli.js, dist/extension.js
 * all live in dist/), or, when running from sources (tsx), in the nearest `dist/` walking up from this
 * file. Returns undefined when there is none.
 */
export function findArtefact(name: string, from: string = __dirname): string | undefined {
  let dir = from;
  for (;;) {
    const here = path.join(dir, name);
    if (existsSync(here)) return here;
    const inDist = path.join(dir, 'dist', name);
    if (existsSync(inDist)) return inDist;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const compiled = new Map<string, WebAssembly.Module>();

export interface KernelChoice {
  module: WebAssembly.Module;
  file: string;
  variant: KernelVariant;
  /** Why the relaxed-SIMD build was not taken, when 'on' asked for it. */
  note?: string;
}

function compile(file: string): WebAssembly.Module {
  let m = compiled.get(file);
  if (!m) {
    m = new WebAssembly.Module(readFileSync(file));
    compiled.set(file, m);
  }
  return m;
}

/**
 * Picks and compiles (once per process; synchronous: Node allows it for any module size) the
 * kernels build. An explicit `file` is taken as is.
 */
export function kernelModule(file?: string, mode?: RelaxedSimdMode): KernelChoice {
  if (file !== undefined) {
    const fma = path.basename(file) === KERNELS_FMA_FILE;
    if (fma && !relaxedSimdAvailable()) enableRelaxedSimd();
    return { module: compile(file), file, variant: fma ? 'relaxed-simd-fma' : 'simd128' };
  }
  const base = findArtefact(KERNELS_FILE);
  if (base === undefined) {
    throw new Error(`WasmBackend: ${KERNELS_FILE} not found next to ${__dirname} or in a dist/ above it ` +
      '(run `npm run build`)');
  }
  const want = mode ?? parseMode(process.env.GRADIENT_LAB_RELAXED_SIMD);
  let note: string | undefined;
  if (want !== 'off') {
    const fmaFile = path.join(path.dirname(base), KERNELS_FMA_FILE);
    const available = relaxedSimdAvailable() || enableRelaxedSimd();
    if (available && existsSync(fmaFile)) return { module: compile(fmaFile), file: fmaFile, variant: 'relaxed-simd-fma' };
    if (want === 'on') note = available ? `${KERNELS_FMA_FILE} not found` : 'this engine has no relaxed SIMD';
  }
  return { module: compile(base), file: base, variant: 'simd128', note };
}

function parseMode(v: string | undefined): RelaxedSimdMode {
  return v === 'on' || v === 'off' ? v : 'auto';
}

// (module (func (param v128 v128 v128) (result v128) f32x4.relaxed_madd of the three)).
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/** True where the engine validates relaxed SIMD (f32x4.relaxed_madd) as it is configured now. */
export function relaxedSimdAvailable(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/**
 * Turns on V8's relaxed-SIMD flag (Node 20 ships the feature complete behind it; V8 11.4 enabled it
 * by default). Process-wide; affects only which wasm validates. Returns whether it is now available.
 */
function enableRelaxedSimd(): boolean {
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return relaxedSimdAvailable();
}

// (module (func (result v128) (v128.const i32x4 0 0 0 0))): valid only where the engine has SIMD.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0x0b,
]);

/**
 * True where this JavaScript engine runs the kernels: WebAssembly 128-bit SIMD and shared memory
 * (the backend's memory is always shared so that growing it never detaches earlier views).
 * Does not look for kernels.wasm; createWasmBackend throws a clear error when that is missing.
 */
export function wasmSimdAvailable(): boolean {
  try {
    if (typeof WebAssembly !== 'object' || typeof SharedArrayBuffer !== 'function') return false;
    if (!WebAssembly.validate(SIMD_PROBE)) return false;
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}
