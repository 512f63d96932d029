import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ActivationKind, AdamHyper, Backend, FloatArray } from '../backend';
import { findArtefact, kernelModule, WORKER_FILE, type KernelExports } from './kernels';
import {
  CMD_ADAM, CMD_EXIT, CMD_GEMM, MAIN_SPIN, PROTOCOL_VERSION, SLOT_BYTES, SLOT_WORDS, W_ARGS, W_CMD, W_DONE, W_ERROR,
  W_MAIN_SLEEPING, W_READY, W_SEQ, W_SLEEPING, type WorkerInit,
} from './protocol';

export interface WasmBackendOptions {
  /** Threads for the heavy kernels, main thread included. Default min(available cores, 4). */
  threads?: number;
  /** Path of kernels.wasm; default: found next to the bundle or in a dist/ above the sources. */
  kernelsPath?: string;
  /** Path of kernel-worker.js; same default search. */
  workerPath?: string;
}

const PAGE = 65536;
const MAX_PAGES = 65536;
/** Bytes kept free at address 0 (null stays invalid; nothing of AssemblyScript's lives there). */
const RESERVED = PAGE;
/** Every allocation starts on a cache line: no false sharing between threads, aligned v128 loads. */
const ALIGN = 64;

// Tile sizes of assembly/layout.ts that the host partitions by.
const MR = 4;
const NR = 8;

/**
 * Below this many multiply-adds (m·n·k) the direct kernel beats packing (W2-sized layers:
 * 32×16×16 = 8 k). Fixed by shape only, so the path, and the bits, never depend on thread count.
 */
const SMALL_GEMM_MACS = 24_576;
/** Below this many multiply-adds one thread beats dispatch + the partial-tile overheads. */
const PARALLEL_GEMM_MACS = 1 << 18;
/** Adam splits across threads from this many weights up (below, dispatch costs more than it saves). */
const PARALLEL_ADAM = 1 << 15;
/** Longest a dispatch may wait for workers before the backend declares them lost. */
const JOIN_TIMEOUT_MS = 600_000;

const ACTIVATION_CODE: Record<ActivationKind, number> = {
  relu: 0, leakyRelu: 1, tanh: 2, sigmoid: 3, linear: 4,
};

/**
 * float32 kernels in WebAssembly 128-bit SIMD (assembly/*.ts, compiled to dist/kernels.wasm).
 *
 * Memory: one shared WebAssembly.Memory holds every array this backend allocs, bump-allocated
 * (arena: arrays live as long as the backend; the engine allocates its buffers once per model).
 * The memory is shared even with one thread because growing a SharedArrayBuffer-backed memory
 * never detaches it: earlier Float32Array views stay valid after growth (they keep the old,
 * shorter SharedArrayBuffer object over the same, still mapped, bytes), whereas growing a
 * non-shared memory detaches its ArrayBuffer and would zero the length of every view handed out.
 * Arrays passed to kernels are mapped to pointers by byteOffset after checking that their buffer is
 * one this memory has exposed.
 *
 * Threads: threads − 1 worker threads instantiate the same module over the same memory and wait
 * for commands in a shared control slot (protocol.ts). GEMMs of at least PARALLEL_GEMM_MACS split
 * C by columns (or by rows when m > n, which duplicates less packing) into equal parts aligned to the
 * 4×8 tile; the main thread computes part 0. Every element's summation order is independent of the
 * partition (see assembly/gemm.ts), so results are bit-identical for any thread count.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm-simd';
  readonly dtype = 'float32' as const;
  readonly threads: number;
  /** Why threads is lower than requested, if it is. */
  readonly notes: string[] = [];

  private readonly memory: WebAssembly.Memory;
  private readonly k: KernelExports;
  /** Every buffer object this memory has exposed (a new one after each growth). */
  private readonly buffers = new Set<ArrayBufferLike>();
  private buffer: ArrayBufferLike;
  private top = RESERVED;
  /** Per-thread GEMM scratch (packed panels), thread 0 = main. */
  private readonly work: number[] = [];
  private readonly workers: Worker[] = [];
  private readonly ctl: Int32Array[] = [];
  private readonly ctlF: Float32Array[] = [];
  private readonly seq: number[] = [];
  private workerFailure: Error | undefined;
  private disposed = false;

  /** Creates the backend and waits until its workers are running. */
  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const b = new WasmBackend(options);
    await b.ready();
    return b;
  }

  /**
   * Synchronous creation. Usable at once: a dispatch to a worker still starting blocks until it
   * runs (tens of milliseconds, once). `create` waits for that up front instead.
   */
  constructor(options: WasmBackendOptions = {}) {
    const requested = options.threads ?? Math.min(availableParallelism(), 4);
    if (!Number.isInteger(requested) || requested < 1) {
      throw new RangeError(`WasmBackend: threads must be a positive integer, got ${requested}`);
    }
    const module = kernelModule(options.kernelsPath);
    this.memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    this.buffer = this.memory.buffer;
    this.buffers.add(this.buffer);
    this.k = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as KernelExports;

    let threads = requested;
    const workerFile = threads > 1 ? (options.workerPath ?? findArtefact(WORKER_FILE)) : undefined;
    if (threads > 1 && (workerFile === undefined || !existsSync(workerFile))) {
      this.notes.push(`${workerFile ?? WORKER_FILE} not found (run \`npm run build\`): running on 1 thread`);
      threads = 1;
    }
    this.threads = threads;

    // Control slots first, so that they lie in the initial pages, before any growth.
    const slotBase = this.allocBytes(SLOT_BYTES * Math.max(threads - 1, 1));
    const workBytes = this.k.workFloats() * 4;
    for (let t = 0; t < threads; t++) this.work.push(this.allocBytes(workBytes));

    for (let w = 0; w < threads - 1; w++) {
      const slot = slotBase + w * SLOT_BYTES;
      this.ctl.push(new Int32Array(this.buffer, slot, SLOT_WORDS));
      this.ctlF.push(new Float32Array(this.buffer, slot, SLOT_WORDS));
      this.seq.push(0);
      const init: WorkerInit = { protocol: PROTOCOL_VERSION, module, memory: this.memory, slot };
      const worker = new Worker(workerFile as string, { workerData: init });
      // An idle worker must not keep a CLI alive; dispose() ends them explicitly.
      worker.unref();
      worker.on('error', (e: Error) => {
        this.workerFailure = e;
      });
      this.workers.push(worker);
    }
  }

  /** Resolves once every worker has instantiated the kernels. */
  async ready(): Promise<void> {
    for (let w = 0; w < this.ctl.length; w++) {
      const ctl = this.ctl[w];
      while (Atomics.load(ctl, W_READY) === 0) {
        if (this.workerFailure) throw this.wrapFailure();
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
  }

  alloc(length: number): Float32Array {
    this.assertLive();
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`WasmBackend.alloc: bad length ${length}`);
    const ptr = this.allocBytes(length * 4);
    // Zero-filled: fresh pages are zero and the arena never reuses memory.
    return new Float32Array(this.buffer, ptr, length);
  }

  /** Bytes of linear memory in use (arena top) and reserved (memory size). */
  memoryUsage(): { used: number; size: number } {
    return { used: this.top, size: this.memory.buffer.byteLength };
  }

  private allocBytes(bytes: number): number {
    const ptr = Math.ceil(this.top / ALIGN) * ALIGN;
    const end = ptr + bytes;
    const size = this.buffer.byteLength;
    if (end > size) {
      // Grow geometrically (at least double) so that n allocations cost O(log n) growths.
      const needPages = Math.ceil((end - size) / PAGE);
      const curPages = size / PAGE;
      const pages = Math.min(Math.max(needPages, curPages), MAX_PAGES - curPages);
      if (pages < needPages) throw new RangeError(`WasmBackend.alloc: out of memory (${end} bytes needed, 4 GiB max)`);
      this.memory.grow(pages);
      this.buffer = this.memory.buffer;
      this.buffers.add(this.buffer);
    }
    this.top = end;
    return ptr;
  }

  /** Byte offset of x after checking it is this backend's memory and holds at least `need` floats. */
  private ptr(x: FloatArray, need: number, op: string, what: string): number {
    if (!(x instanceof Float32Array)) {
      throw new TypeError(`WasmBackend.${op}: ${what} must be a Float32Array from this backend's alloc()`);
    }
    if (x.buffer !== this.buffer && !this.buffers.has(x.buffer)) {
      throw new Error(`WasmBackend.${op}: ${what} is not memory of this backend (use alloc() or a subarray of it)`);
    }
    if (x.length < need) {
      throw new RangeError(`WasmBackend.${op}: ${what} has ${x.length} elements, needs ${need}`);
    }
    return x.byteOffset;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('WasmBackend: used after dispose()');
  }

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: FloatArray, b: FloatArray, beta: 0 | 1, c: FloatArray): void {
    this.assertLive();
    const pa = this.ptr(a, m * k, 'gemm', 'a');
    const pb = this.ptr(b, k * n, 'gemm', 'b');
    const pc = this.ptr(c, m * n, 'gemm', 'c');
    if (m === 0 || n === 0) return;
    const tA = transA ? 1 : 0;
    const tB = transB ? 1 : 0;
    const macs = m * n * k;
    if (macs <= SMALL_GEMM_MACS) {
      this.k.gemmSmall(tA, tB, m, n, k, pa, pb, beta, pc);
      return;
    }
    if (this.threads === 1 || macs < PARALLEL_GEMM_MACS) {
      this.k.gemmPacked(tA, tB, m, n, k, pa, pb, beta, pc, 0, m, 0, n, this.work[0]);
      return;
    }
    // Split the dimension whose split duplicates less packing: splitting columns makes every thread
    // pack all of A (m·k), splitting rows makes every thread pack all of B (k·n).
    const byCols = m <= n;
    const dim = byCols ? n : m;
    const unit = byCols ? NR : MR;
    const parts = Math.max(1, Math.min(this.threads, Math.floor(dim / unit)));
    const chunk = Math.ceil(dim / parts / unit) * unit;
    let posted = 0;
    for (let t = 1; t < parts; t++) {
      const lo = t * chunk;
      const hi = Math.min(dim, lo + chunk);
      if (lo >= hi) break;
      const ctl = this.ctl[t - 1];
      const w = W_ARGS;
      ctl[w] = tA; ctl[w + 1] = tB; ctl[w + 2] = m; ctl[w + 3] = n; ctl[w + 4] = k;
      ctl[w + 5] = pa; ctl[w + 6] = pb; ctl[w + 7] = beta; ctl[w + 8] = pc;
      ctl[w + 9] = byCols ? 0 : lo; ctl[w + 10] = byCols ? m : hi;
      ctl[w + 11] = byCols ? lo : 0; ctl[w + 12] = byCols ? hi : n;
      ctl[w + 13] = this.work[t];
      this.post(t - 1, CMD_GEMM);
      posted++;
    }
    const hi0 = Math.min(dim, chunk);
    this.k.gemmPacked(tA, tB, m, n, k, pa, pb, beta, pc, 0, byCols ? m : hi0, 0, byCols ? hi0 : n, this.work[0]);
    this.join(posted);
  }

  private post(w: number, cmd: number): void {
    if (this.workerFailure) throw this.wrapFailure();
    const ctl = this.ctl[w];
    ctl[W_CMD] = cmd;
    const s = (this.seq[w] = (this.seq[w] + 1) | 0);
    Atomics.store(ctl, W_SEQ, s);
    if (Atomics.load(ctl, W_SLEEPING) !== 0) Atomics.notify(ctl, W_SEQ);
  }

  /** Waits for workers 0..count−1 to finish their latest command. */
  private join(count: number): void {
    for (let w = 0; w < count; w++) {
      const ctl = this.ctl[w];
      const s = this.seq[w];
      let spins = 0;
      let waited = 0;
      for (;;) {
        const d = Atomics.load(ctl, W_DONE);
        if (d === s) break;
        if (++spins > MAIN_SPIN) {
          Atomics.store(ctl, W_MAIN_SLEEPING, 1);
          Atomics.wait(ctl, W_DONE, d, 1000);
          Atomics.store(ctl, W_MAIN_SLEEPING, 0);
          waited += 1000;
          if (waited > JOIN_TIMEOUT_MS) {
            throw new Error(`WasmBackend: kernel worker ${w + 1} did not answer in ${JOIN_TIMEOUT_MS / 1000} s`);
          }
        }
      }
      if (ctl[W_ERROR] !== 0) throw new Error(`WasmBackend: kernel worker ${w + 1} trapped (bad pointer or size?)`);
    }
  }

  private wrapFailure(): Error {
    return new Error(`WasmBackend: a kernel worker failed: ${this.workerFailure?.message}`);
  }

  addRowVector(rows: number, cols: number, x: FloatArray, bias: FloatArray, out: FloatArray): void {
    this.assertLive();
    const n = rows * cols;
    this.k.addRowVector(rows, cols, this.ptr(x, n, 'addRowVector', 'x'), this.ptr(bias, cols, 'addRowVector', 'bias'),
      this.ptr(out, n, 'addRowVector', 'out'));
  }

  sumRows(rows: number, cols: number, x: FloatArray, out: FloatArray): void {
    this.assertLive();
    this.k.sumRows(rows, cols, this.ptr(x, rows * cols, 'sumRows', 'x'), this.ptr(out, cols, 'sumRows', 'out'));
  }

  activationForward(kind: ActivationKind, n: number, z: FloatArray, a: FloatArray, alpha: number): void {
    this.assertLive();
    this.k.activationForward(code(kind), n, this.ptr(z, n, 'activationForward', 'z'),
      this.ptr(a, n, 'activationForward', 'a'), alpha);
  }

  activationBackward(kind: ActivationKind, n: number, z: FloatArray, a: FloatArray, dA: FloatArray,
    dZ: FloatArray, alpha: number): void {
    this.assertLive();
    const c = code(kind);
    // relu/leakyRelu read z only, tanh/sigmoid a only, linear neither: the unused one may be anything.
    const pz = c <= 1 ? this.ptr(z, n, 'activationBackward', 'z') : 0;
    const pa = c === 2 || c === 3 ? this.ptr(a, n, 'activationBackward', 'a') : 0;
    this.k.activationBackward(c, n, pz, pa, this.ptr(dA, n, 'activationBackward', 'dA'),
      this.ptr(dZ, n, 'activationBackward', 'dZ'), alpha);
  }

  mul(n: number, x: FloatArray, y: FloatArray, out: FloatArray): void {
    this.assertLive();
    this.k.mul(n, this.ptr(x, n, 'mul', 'x'), this.ptr(y, n, 'mul', 'y'), this.ptr(out, n, 'mul', 'out'));
  }

  axpy(n: number, alpha: number, x: FloatArray, y: FloatArray): void {
    this.assertLive();
    this.k.axpy(n, alpha, this.ptr(x, n, 'axpy', 'x'), this.ptr(y, n, 'axpy', 'y'));
  }

  axpySign(n: number, alpha: number, x: FloatArray, y: FloatArray): void {
    this.assertLive();
    this.k.axpySign(n, alpha, this.ptr(x, n, 'axpySign', 'x'), this.ptr(y, n, 'axpySign', 'y'));
  }

  sumSquares(n: number, x: FloatArray): number {
    this.assertLive();
    return this.k.sumSquares(n, this.ptr(x, n, 'sumSquares', 'x'));
  }

  sumAbs(n: number, x: FloatArray): number {
    this.assertLive();
    return this.k.sumAbs(n, this.ptr(x, n, 'sumAbs', 'x'));
  }

  batchNormTrainForward(rows: number, cols: number, z: FloatArray, gamma: FloatArray, beta: FloatArray,
    epsilon: number, mean: FloatArray, variance: FloatArray, invStd: FloatArray, zHat: FloatArray,
    out: FloatArray): void {
    this.assertLive();
    const n = rows * cols;
    const op = 'batchNormTrainForward';
    this.k.batchNormTrainForward(rows, cols, this.ptr(z, n, op, 'z'), this.ptr(gamma, cols, op, 'gamma'),
      this.ptr(beta, cols, op, 'beta'), epsilon, this.ptr(mean, cols, op, 'mean'),
      this.ptr(variance, cols, op, 'variance'), this.ptr(invStd, cols, op, 'invStd'), this.ptr(zHat, n, op, 'zHat'),
      this.ptr(out, n, op, 'out'));
  }

  batchNormBackward(rows: number, cols: number, dOut: FloatArray, zHat: FloatArray, gamma: FloatArray,
    invStd: FloatArray, dGamma: FloatArray, dBeta: FloatArray, dz: FloatArray): void {
    this.assertLive();
    const n = rows * cols;
    const op = 'batchNormBackward';
    this.k.batchNormBackward(rows, cols, this.ptr(dOut, n, op, 'dOut'), this.ptr(zHat, n, op, 'zHat'),
      this.ptr(gamma, cols, op, 'gamma'), this.ptr(invStd, cols, op, 'invStd'), this.ptr(dGamma, cols, op, 'dGamma'),
      this.ptr(dBeta, cols, op, 'dBeta'), this.ptr(dz, n, op, 'dz'));
  }

  batchNormInferForward(rows: number, cols: number, z: FloatArray, gamma: FloatArray, beta: FloatArray,
    runningMean: FloatArray, runningVar: FloatArray, epsilon: number, out: FloatArray): void {
    this.assertLive();
    const n = rows * cols;
    const op = 'batchNormInferForward';
    this.k.batchNormInferForward(rows, cols, this.ptr(z, n, op, 'z'), this.ptr(gamma, cols, op, 'gamma'),
      this.ptr(beta, cols, op, 'beta'), this.ptr(runningMean, cols, op, 'runningMean'),
      this.ptr(runningVar, cols, op, 'runningVar'), epsilon, this.ptr(out, n, op, 'out'));
  }

  momentumUpdate(n: number, w: FloatArray, g: FloatArray, v: FloatArray, lr: number, beta: number): void {
    this.assertLive();
    const op = 'momentumUpdate';
    this.k.momentumUpdate(n, this.ptr(w, n, op, 'w'), this.ptr(g, n, op, 'g'), this.ptr(v, n, op, 'v'), lr, beta,
      1 - beta);
  }

  rmspropUpdate(n: number, w: FloatArray, g: FloatArray, s: FloatArray, lr: number, beta2: number,
    epsilon: number): void {
    this.assertLive();
    const op = 'rmspropUpdate';
    this.k.rmspropUpdate(n, this.ptr(w, n, op, 'w'), this.ptr(g, n, op, 'g'), this.ptr(s, n, op, 's'), lr, beta2,
      1 - beta2, epsilon);
  }

  adamUpdate(n: number, w: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, h: AdamHyper): void {
    this.assertLive();
    const op = 'adamUpdate';
    const pw = this.ptr(w, n, op, 'w');
    const pg = this.ptr(g, n, op, 'g');
    const pm = this.ptr(m, n, op, 'm');
    const pv = this.ptr(v, n, op, 'v');
    const ib1 = 1 / h.biasCorrection1;
    const ib2 = 1 / h.biasCorrection2;
    const c1 = 1 - h.beta1;
    const c2 = 1 - h.beta2;
    if (this.threads === 1 || n < PARALLEL_ADAM) {
      this.k.adamUpdate(n, pw, pg, pm, pv, h.lr, h.beta1, c1, h.beta2, c2, h.epsilon, ib1, ib2);
      return;
    }
    // Elementwise, so any split gives the same bits; chunks of 16 floats keep threads on separate
    // cache lines wherever the arrays start on one.
    const parts = this.threads;
    const chunk = Math.ceil(n / parts / 16) * 16;
    let posted = 0;
    for (let t = 1; t < parts; t++) {
      const lo = t * chunk;
      const len = Math.min(n, lo + chunk) - lo;
      if (len <= 0) break;
      const ctl = this.ctl[t - 1];
      const f = this.ctlF[t - 1];
      const a = W_ARGS;
      const o = lo * 4;
      ctl[a] = len; ctl[a + 1] = pw + o; ctl[a + 2] = pg + o; ctl[a + 3] = pm + o; ctl[a + 4] = pv + o;
      f[a + 5] = h.lr; f[a + 6] = h.beta1; f[a + 7] = c1; f[a + 8] = h.beta2; f[a + 9] = c2; f[a + 10] = h.epsilon;
      f[a + 11] = ib1; f[a + 12] = ib2;
      this.post(t - 1, CMD_ADAM);
      posted++;
    }
    this.k.adamUpdate(Math.min(n, chunk), pw, pg, pm, pv, h.lr, h.beta1, c1, h.beta2, c2, h.epsilon, ib1, ib2);
    this.join(posted);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (let w = 0; w < this.workers.length; w++) {
      // Ask the worker to leave its loop (a sleeping one is woken), then make sure it is gone.
      const ctl = this.ctl[w];
      ctl[W_CMD] = CMD_EXIT;
      Atomics.store(ctl, W_SEQ, (this.seq[w] + 1) | 0);
      Atomics.notify(ctl, W_SEQ);
      void this.workers[w].terminate();
    }
  }
}

function code(kind: ActivationKind): number {
  const c = ACTIVATION_CODE[kind];
  if (c === undefined) throw new Error(`WasmBackend: unknown activation '${kind as string}'`);
  return c;
}
