import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ActivationKind, AdamHyper, Backend, FloatArray } from '../backend';
import {
  findArtefact, kernelModule, WORKER_FILE, type KernelExports, type KernelVariant, type RelaxedSimdMode,
} from './kernels';
import {
  A_CHUNK, A_DIM, A_NCHUNKS, A_PRE, A_PRE_CHUNK, A_PRE_DIM, ADAM_HYPER, ADAM_PTRS, ARG_WORDS, BN_EPS, BN_LD, BN_PTRS,
  BN_ROWS, CMD_ADAM, CMD_BN_BACKWARD, CMD_BN_FORWARD, CMD_EXIT,
  CMD_GEMM_COLS, CMD_GEMM_ROWS, CTL_BYTES, G_A, G_B, G_BETA, G_C, G_K, G_M, G_N, G_PACK_SRC, G_PACK_TRANS, G_TRANS,
  MAIN_SPIN, MAX_WORKERS, PROTOCOL_VERSION, Q_CLAIM, W_ARGS, W_CMD, W_COMPLETED, W_ERROR, W_MAIN_SLEEPING, W_READY,
  W_SLEEPERS, W_TASK, claimChunk, ctlViews, runChunk, setArgF64, type Ctl, type WorkerInit,
} from './protocol';

export interface WasmBackendOptions {
  /** Threads for the heavy kernels, main thread included. Default min(available cores, 4). */
  threads?: number;
  /** Path of the kernels build; default: found next to the bundle or in a dist/ above the sources. */
  kernelsPath?: string;
  /** Use the relaxed-SIMD (fused multiply-add) build: see RelaxedSimdMode. */
  relaxedSimd?: RelaxedSimdMode;
  /** Path of kernel-worker.js; same default search. */
  workerPath?: string;
}

const PAGE = 65536;
const MAX_PAGES = 65536;
/** Bytes kept free at address 0 (null stays invalid; nothing of AssemblyScript's lives there). */
const RESERVED = PAGE;
/** Every allocation starts on a cache line: no false sharing between threads, aligned v128 loads. */
const ALIGN = 64;

/** Micro-kernel tile columns (assembly/layout.ts); the rows, MR, come from the build. */
const NR = 8;

/**
 * Up to this many multiply-adds (m·n·k) the direct kernel beats packing (W2-sized layers,
 * 32×16×16 = 8 k: 0.64 µs against 0.86 µs packed; at 130 k they tie). With B transposed the direct
 * kernel is a dot product per element and loses from ~2 k on (32×16×16: 2.1 µs against 0.7 µs).
 * Fixed by shape only, so the path, and the bits, never depend on the thread count.
 */
const SMALL_GEMM_MACS = 24_576;
const SMALL_GEMM_MACS_TRANS_B = 2_048;
/** Below this many multiply-adds (≈ 25 µs on one thread) one thread beats dispatch and the split. */
const PARALLEL_GEMM_MACS = 1 << 19;
/** Chunks per thread a parallel task is cut into: enough to even out unequal cores, few enough
 *  that per-chunk overhead (a B or A block packed per chunk, partial tiles) stays small. */
const CHUNKS_PER_THREAD = 4;
/** A GEMM chunk does at least this many multiply-adds (≈ 20 µs), whatever the chunk count. */
const MIN_CHUNK_MACS = 1 << 19;
/** Adam splits across threads from this many weights up, in chunks of ADAM_CHUNK (64-byte multiples). */
const PARALLEL_ADAM = 1 << 15;
const ADAM_CHUNK = 1 << 14;
/** Batch norm splits by columns from this many elements up, in slices of a multiple of 16 columns. */
const PARALLEL_BN = 1 << 14;
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
 * Threads: threads − 1 worker threads instantiate the same module over the same memory and serve
 * tasks from a shared control block (protocol.ts). A GEMM of at least PARALLEL_GEMM_MACS first packs
 * one operand whole (A when m ≤ n, else B: the smaller of the two packings), then all threads, the
 * main one included, claim chunks of C's columns (or rows), each packing only its share of the other
 * operand. Every element's summation order is independent of the partition (see assembly/gemm.ts),
 * so results are bit-identical for any thread count and either path.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm-simd';
  readonly dtype = 'float32' as const;
  readonly threads: number;
  /** Which kernels build runs (report it with name and threads). */
  readonly variant: KernelVariant;
  /** Why threads is lower than requested, or the relaxed-SIMD build was not taken, if so. */
  readonly notes: string[] = [];

  private readonly memory: WebAssembly.Memory;
  private readonly k: KernelExports;
  /** Micro-kernel tile rows of this build. */
  private readonly mr: number;
  /** Every buffer object this memory has exposed (a new one after each growth). */
  private readonly buffers = new Set<ArrayBufferLike>();
  private buffer: ArrayBufferLike;
  private top = RESERVED;
  /** Per-thread GEMM scratch (packed panels), thread 0 = main. */
  private readonly work: number[] = [];
  private readonly workers: Worker[] = [];
  private readonly ctl: Ctl;
  /** Tag of the latest task (the TASK word holds its low 32 bits). */
  private task = 0;
  /** Shared scratch for the operand a threaded GEMM packs whole. */
  private packed = 0;
  private packedFloats = 0;
  /** 4 words for an Rng state passed to dropoutMask. */
  private readonly rngState: Uint32Array;
  /** Row indices for gatherRows, grown on demand. */
  private indices: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** Float64 targets for sigmoidBce, grown on demand, and its 32 bytes of scratch. */
  private targets: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private readonly lossScratch: number;
  private readonly args = new Int32Array(ARG_WORDS);
  private readonly fargs = new Float32Array(this.args.buffer);
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
    const choice = kernelModule(options.kernelsPath, options.relaxedSimd);
    const module = choice.module;
    this.variant = choice.variant;
    if (choice.note) this.notes.push(`relaxed SIMD not used: ${choice.note}`);
    this.memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    this.buffer = this.memory.buffer;
    this.buffers.add(this.buffer);
    this.k = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as KernelExports;
    this.mr = this.k.microRows();

    if (requested - 1 > MAX_WORKERS) throw new RangeError(`WasmBackend: at most ${MAX_WORKERS + 1} threads`);
    let threads = requested;
    const workerFile = threads > 1 ? (options.workerPath ?? findArtefact(WORKER_FILE)) : undefined;
    if (threads > 1 && (workerFile === undefined || !existsSync(workerFile))) {
      this.notes.push(`${workerFile ?? WORKER_FILE} not found (run \`npm run build\`): running on 1 thread`);
      threads = 1;
    }
    this.threads = threads;

    // The control block first, so that it lies in the initial pages, before any growth.
    this.ctl = ctlViews(this.buffer, this.allocBytes(CTL_BYTES));
    this.rngState = new Uint32Array(this.buffer, this.allocBytes(16), 4);
    this.lossScratch = this.allocBytes(64);
    const workBytes = this.k.workFloats() * 4;
    for (let t = 0; t < threads; t++) this.work.push(this.allocBytes(workBytes));

    for (let w = 0; w < threads - 1; w++) {
      const init: WorkerInit = {
        protocol: PROTOCOL_VERSION, module, memory: this.memory, ctl: this.ctl.i32.byteOffset, work: this.work[w + 1],
        index: w,
      };
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
    for (let w = 0; w < this.workers.length; w++) {
      while (Atomics.load(this.ctl.i32, W_READY + w) === 0) {
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

  allocCodes(length: number): Uint8Array {
    this.assertLive();
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`WasmBackend.allocCodes: bad length ${length}`);
    const ptr = this.allocBytes(length); // first: it may grow the memory, and so replace this.buffer
    return new Uint8Array(this.buffer, ptr, length);
  }

  readsInPlace(codes: Uint8Array): boolean {
    return codes.buffer === this.buffer || this.buffers.has(codes.buffer);
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
    if (transB && !transA && k > 0 && k < 4 && macs <= SMALL_GEMM_MACS && this.variant === 'simd128') {
      // dX = dZ·Wᵀ of a layer with 1–3 outputs: Bᵀ copied, then the NN path; the same bits as
      // the transB and the packed path below (not in the FMA build, whose packed kernel fuses).
      this.k.gemmSmallNTNarrowK(m, n, k, pa, pb, beta, pc, this.work[0]);
      return;
    }
    if (macs <= (transB ? SMALL_GEMM_MACS_TRANS_B : SMALL_GEMM_MACS)) {
      this.k.gemmSmall(tA, tB, m, n, k, pa, pb, beta, pc);
      return;
    }
    if (this.threads === 1 || macs < PARALLEL_GEMM_MACS) {
      this.k.gemmPacked(tA, tB, m, n, k, pa, pb, beta, pc, 0, m, 0, n, this.work[0]);
      return;
    }
    // Pack the operand whose whole packing is smaller once, share it, and split the other dimension:
    // columns share packed A (m·k floats), rows share packed B (k·n floats). The packing itself is
    // the task's preparation phase, split over the threads too.
    const byCols = m <= n;
    const unit = byCols ? NR : this.mr;
    const dim = byCols ? n : m;
    const preUnit = byCols ? this.mr : NR;
    const preDim = byCols ? m : n;
    const shared = this.sharedPack(byCols ? this.k.packedFloats(m, k, this.mr) : this.k.packedFloats(n, k, NR));
    const units = Math.ceil(dim / unit);
    const perUnit = unit * (macs / dim);
    let chunkUnits = Math.ceil(units / (this.threads * CHUNKS_PER_THREAD));
    chunkUnits = Math.max(chunkUnits, Math.ceil(MIN_CHUNK_MACS / perUnit));
    const args = this.args;
    args[G_TRANS] = byCols ? tB : tA;
    args[G_M] = m;
    args[G_N] = n;
    args[G_K] = k;
    args[G_A] = byCols ? shared : pa;
    args[G_B] = byCols ? pb : shared;
    args[G_BETA] = beta;
    args[G_C] = pc;
    args[G_PACK_TRANS] = byCols ? tA : tB;
    args[G_PACK_SRC] = byCols ? pa : pb;
    const preChunk = Math.ceil(preDim / this.threads / preUnit) * preUnit;
    this.parallel(byCols ? CMD_GEMM_COLS : CMD_GEMM_ROWS, dim, chunkUnits * unit, preDim, preChunk);
  }

  /**
   * gemm + addRowVector + activationForward in one call, for the products gemm sends to gemmSmall
   * (NN up to SMALL_GEMM_MACS multiply-adds): the same kernels in the same order inside
   * WebAssembly, so the same bits. Larger products return false (the caller makes the calls).
   */
  denseForward(rows: number, inF: number, outF: number, x: FloatArray, w: FloatArray, bias: FloatArray | null,
    z: FloatArray, activation: ActivationKind | null, a: FloatArray | null, alpha: number): boolean {
    if (rows === 0 || outF === 0 || rows * outF * inF > SMALL_GEMM_MACS) return false;
    this.assertLive();
    const n = rows * outF;
    const op = 'denseForward';
    const px = this.ptr(x, rows * inF, op, 'x');
    const pw = this.ptr(w, inF * outF, op, 'w');
    const pz = this.ptr(z, n, op, 'z');
    const pb = bias === null ? 0 : this.ptr(bias, outF, op, 'bias');
    let kind = -1;
    let pa = 0;
    if (activation !== null) {
      if (a === null) throw new Error('WasmBackend.denseForward: an activation needs its output a');
      kind = code(activation);
      pa = this.ptr(a, n, op, 'a');
    }
    this.k.denseForwardSmall(rows, outF, inF, px, pw, pb, pz, kind, pa, alpha);
    return true;
  }

  /** The shared packing buffer, grown (never shrunk: the arena does not free) to hold `floats`. */
  private sharedPack(floats: number): number {
    if (floats > this.packedFloats) {
      const size = Math.max(floats, 2 * this.packedFloats);
      this.packed = this.allocBytes(size * 4);
      this.packedFloats = size;
    }
    return this.packed;
  }

  /**
   * Runs the task in this.args on every thread (protocol.ts): a preparation phase over [0, preDim) in
   * slices of preChunk (none when preDim = 0), then [0, dim) in slices of chunk. Returns when all
   * chunks are done.
   */
  private parallel(cmd: number, dim: number, chunk: number, preDim = 0, preChunk = 1): void {
    if (this.workerFailure) throw this.wrapFailure();
    const pre = Math.ceil(preDim / preChunk);
    const nChunks = pre + Math.ceil(dim / chunk);
    const a = this.args;
    a[A_CHUNK] = chunk;
    a[A_NCHUNKS] = nChunks;
    a[A_DIM] = dim;
    a[A_PRE] = pre;
    a[A_PRE_CHUNK] = preChunk;
    a[A_PRE_DIM] = preDim;
    const { i32, claim } = this.ctl;
    i32.set(a, W_ARGS);
    i32[W_CMD] = cmd;
    i32[W_ERROR] = 0;
    Atomics.store(i32, W_COMPLETED, 0);
    const task = (this.task = (this.task + 1) >>> 0);
    const tag = BigInt(task);
    Atomics.store(claim, Q_CLAIM, tag << 32n);
    Atomics.store(i32, W_TASK, task | 0);
    if (Atomics.load(i32, W_SLEEPERS) > 0) Atomics.notify(i32, W_TASK);

    let failure: unknown;
    for (let i = claimChunk(this.ctl, tag, nChunks); i >= 0; i = claimChunk(this.ctl, tag, nChunks)) {
      try {
        runChunk(this.k, this.ctl, cmd, a, this.fargs, i, this.work[0]);
      } catch (e) {
        // Keep counting: workers may still run chunks of this task, and the block must be quiet
        // before the next task reuses it.
        failure ??= e;
      }
      Atomics.add(i32, W_COMPLETED, 1);
    }
    let spins = 0;
    let waited = 0;
    for (;;) {
      const done = Atomics.load(i32, W_COMPLETED);
      if (done >= nChunks) break;
      if (++spins > MAIN_SPIN) {
        Atomics.store(i32, W_MAIN_SLEEPING, 1);
        Atomics.wait(i32, W_COMPLETED, done, 1000);
        Atomics.store(i32, W_MAIN_SLEEPING, 0);
        waited += 1000;
        if (waited > JOIN_TIMEOUT_MS) {
          throw new Error(`WasmBackend: kernel workers did not finish a task in ${JOIN_TIMEOUT_MS / 1000} s`);
        }
      }
    }
    if (failure !== undefined) throw failure;
    if (i32[W_ERROR] !== 0) throw new Error('WasmBackend: a kernel worker trapped (bad pointer or size?)');
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

  sumSquaresOf(arrays: readonly FloatArray[]): () => Float64Array {
    this.assertLive();
    const count = arrays.length;
    const listPtr = this.allocBytes(count * 8); // before reading this.buffer: it may grow the memory
    const outPtr = this.allocBytes(count * 8);
    const list = new Int32Array(this.buffer, listPtr, count * 2);
    const out = new Float64Array(this.buffer, outPtr, count);
    arrays.forEach((a, i) => {
      list[2 * i] = this.ptr(a, a.length, 'sumSquaresOf', `arrays[${i}]`);
      list[2 * i + 1] = a.length;
    });
    return () => {
      this.assertLive();
      this.k.sumSquaresEach(count, list.byteOffset, out.byteOffset);
      return out;
    };
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
    const ptrs = [this.ptr(z, n, op, 'z'), this.ptr(gamma, cols, op, 'gamma'), this.ptr(beta, cols, op, 'beta'),
      this.ptr(mean, cols, op, 'mean'), this.ptr(variance, cols, op, 'variance'), this.ptr(invStd, cols, op, 'invStd'),
      this.ptr(zHat, n, op, 'zHat'), this.ptr(out, n, op, 'out')];
    if (this.threads === 1 || n < PARALLEL_BN) {
      this.k.batchNormTrainForward(rows, cols, cols, ptrs[0], ptrs[1], ptrs[2], epsilon, ptrs[3], ptrs[4], ptrs[5],
        ptrs[6], ptrs[7]);
      return;
    }
    this.args.set(ptrs, BN_PTRS);
    setArgF64(this.args, BN_EPS, epsilon);
    this.parallelColumns(CMD_BN_FORWARD, rows, cols);
  }

  batchNormBackward(rows: number, cols: number, dOut: FloatArray, zHat: FloatArray, gamma: FloatArray,
    invStd: FloatArray, dGamma: FloatArray, dBeta: FloatArray, dz: FloatArray): void {
    this.assertLive();
    const n = rows * cols;
    const op = 'batchNormBackward';
    const ptrs = [this.ptr(dOut, n, op, 'dOut'), this.ptr(zHat, n, op, 'zHat'), this.ptr(gamma, cols, op, 'gamma'),
      this.ptr(invStd, cols, op, 'invStd'), this.ptr(dGamma, cols, op, 'dGamma'), this.ptr(dBeta, cols, op, 'dBeta'),
      this.ptr(dz, n, op, 'dz')];
    if (this.threads === 1 || n < PARALLEL_BN) {
      this.k.batchNormBackward(rows, cols, cols, ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5], ptrs[6]);
      return;
    }
    this.args.set(ptrs, BN_PTRS);
    this.parallelColumns(CMD_BN_BACKWARD, rows, cols);
  }

  /** Batch norm over column slices (multiples of 16 columns: whole cache lines per thread). */
  private parallelColumns(cmd: number, rows: number, cols: number): void {
    this.args[BN_ROWS] = rows;
    this.args[BN_LD] = cols;
    this.parallel(cmd, cols, Math.max(16, Math.ceil(cols / (2 * this.threads) / 16) * 16));
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
    // Elementwise, so any split gives the same bits.
    this.args.set([pw, pg, pm, pv], ADAM_PTRS);
    this.fargs.set([h.lr, h.beta1, c1, h.beta2, c2, h.epsilon, ib1, ib2], ADAM_HYPER);
    this.parallel(CMD_ADAM, n, ADAM_CHUNK);
  }

  /**
   * Inverted-dropout mask drawn from an engine Rng (util/rng.ts) in WebAssembly: out[i] = u_i < keepProb
   * ? 1/keepProb : 0 with u_i the Rng's next n uniform() draws: the same numbers, in the same order, as
   * `for (i) out[i] = rng.uniform() < p ? 1 / p : 0`, several times faster. `state` (Rng.state() form,
   * 4 uint32 words) is advanced in place: hand it back with Rng.restore. Not (yet) in the Backend
   * interface; TsBackend's equivalent is that loop.
   */
  dropoutMask(n: number, keepProb: number, state: Uint32Array | [number, number, number, number], out: FloatArray): void {
    this.assertLive();
    const p = this.ptr(out, n, 'dropoutMask', 'out');
    const st = this.rngState;
    for (let i = 0; i < 4; i++) st[i] = state[i];
    this.k.dropoutMask(n, keepProb, 1 / keepProb, st.byteOffset, p);
    for (let i = 0; i < 4; i++) state[i] = st[i];
  }

  /**
   * Mini-batch gather inside backend memory: out row r = src row indices[start + r], for a data set
   * kept in this backend's memory as float32 (src = alloc(count·features), filled once). A memory
   * copy per row: ≈ 50 µs for 128×784 (rows from DRAM), against ≈ 300 µs for converting float64 rows with
   * Float32Array.set (≈ 90 µs from a float32 JavaScript copy). Not (yet) in the Backend interface.
   */
  gatherRows(src: FloatArray, features: number, indices: ArrayLike<number>, start: number, rows: number,
    out: FloatArray): void {
    this.assertLive();
    const ps = this.ptr(src, 0, 'gatherRows', 'src');
    const po = this.ptr(out, rows * features, 'gatherRows', 'out');
    const count = src.length / features;
    const idx = this.rowIndices(rows);
    for (let r = 0; r < rows; r++) {
      const i = indices[start + r];
      if (!(i >= 0 && i < count)) throw new RangeError(`WasmBackend.gatherRows: row ${i} outside 0..${count - 1}`);
      idx[r] = i;
    }
    this.k.gatherRows(rows, features, ps, idx.byteOffset, po);
  }

  /**
   * Coded rows decoded inside backend memory (Backend.gatherCoded): ≈ one byte load, one table load
   * and one store per value, no JavaScript loop over the values.
   */
  gatherCoded(codes: Uint8Array, features: number, table: FloatArray, indices: ArrayLike<number>, start: number,
    rows: number, out: FloatArray): void {
    this.assertLive();
    if (!this.readsInPlace(codes)) {
      throw new Error('WasmBackend.gatherCoded: codes is not memory of this backend (use allocCodes())');
    }
    const pt = this.ptr(table, 256 * features, 'gatherCoded', 'table');
    const po = this.ptr(out, rows * features, 'gatherCoded', 'out');
    const count = codes.length / features;
    const idx = this.rowIndices(rows);
    for (let r = 0; r < rows; r++) {
      const i = indices[start + r];
      if (!(i >= 0 && i < count)) throw new RangeError(`WasmBackend.gatherCoded: row ${i} outside 0..${count - 1}`);
      idx[r] = i;
    }
    this.k.gatherCoded(rows, features, codes.byteOffset, idx.byteOffset, pt, po);
  }

  /**
   * Loss.forward's sigmoid-BCE sum in WebAssembly (assembly/loss.ts): V8's own exp and log1p
   * algorithms (FreeBSD msun) in the same double arithmetic, two rows at a time in f64x2 lanes, so
   * the bits of the JavaScript loop at about half its cost. The targets are copied into backend memory.
   */
  sigmoidBce(n: number, z: FloatArray, y: Float64Array, dz: FloatArray | null, invM: number): number {
    this.assertLive();
    const pz = this.ptr(z, n, 'sigmoidBce', 'z');
    const pd = dz === null ? 0 : this.ptr(dz, n, 'sigmoidBce', 'dz');
    if (y.length < n) throw new RangeError(`WasmBackend.sigmoidBce: y has ${y.length} elements, needs ${n}`);
    if (this.targets.length < n) {
      const ptr = this.allocBytes(n * 8);
      this.targets = new Float64Array(this.buffer, ptr, n);
    }
    this.targets.set(y.length === n ? y : y.subarray(0, n));
    return this.k.sigmoidBceLoss(n, pz, this.targets.byteOffset, pd, invM, this.lossScratch);
  }

  /** The reusable int32 row list the gather kernels read, at least `rows` long. */
  private rowIndices(rows: number): Int32Array {
    if (this.indices.length < rows) {
      const ptr = this.allocBytes(rows * 4);
      this.indices = new Int32Array(this.buffer, ptr, rows);
    }
    return this.indices;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.workers.length === 0) return;
    // Ask the workers to leave their loops (sleepers are woken), then make sure they are gone.
    const i32 = this.ctl.i32;
    i32[W_CMD] = CMD_EXIT;
    Atomics.store(i32, W_TASK, (this.task + 1) | 0);
    Atomics.notify(i32, W_TASK);
    for (const w of this.workers) void w.terminate();
  }
}

function code(kind: ActivationKind): number {
  const c = ACTIVATION_CODE[kind];
  if (c === undefined) throw new Error(`WasmBackend: unknown activation '${kind as string}'`);
  return c;
}
