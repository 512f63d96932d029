import type { KernelExports } from './kernels';

/**
 * The main thread ↔ kernel worker protocol, shared by wasm-backend.ts and worker.ts.
 *
 * One control block of CTL_WORDS int32 words in the shared linear memory serves all threads:
 *   words 0–31 (written by the main thread only): TASK, CMD, then the task's arguments
 *   words 32–47 (contended): COMPLETED, ERROR, SLEEPERS, MAIN_SLEEPING, CLAIM (64-bit)
 *   words 48–63: READY, one per worker
 *
 * A task is a command split into nChunks chunks that threads claim dynamically (work sharing):
 * the main thread writes the arguments, resets COMPLETED, sets CLAIM = task·2³² (next chunk 0) and
 * publishes TASK = task with Atomics.store. Every thread, the main one included, then claims chunk
 * indices with a compare-and-swap on CLAIM that also checks the task tag, runs each chunk, and bumps
 * COMPLETED; the main thread returns when COMPLETED = nChunks. A slow or descheduled worker (the two
 * vCPUs here differ by up to ~40 %) just claims fewer chunks, and the main thread never waits for a
 * worker that has not started. Which thread ran a chunk changes no bits (see assembly/gemm.ts).
 *
 * Safety of the lock-free hand-off: a worker reads TASK, then the arguments (plain reads), then
 * claims with that task's tag. The main thread rewrites the arguments only after the task completed,
 * i.e. after every chunk was claimed, so a claim that succeeds proves the arguments it read were
 * the task's own; a worker that read torn arguments of a finished task fails its claim and drops them.
 * CLAIM is 64-bit with a 32-bit tag: a tag recurs only after 2³² tasks (hours of back-to-back GEMMs),
 * far longer than any stale read can be outstanding.
 *
 * Sleeping: a side about to sleep first announces it (SLEEPERS / MAIN_SLEEPING), then calls
 * Atomics.wait, which re-checks the watched word atomically; the other side stores the watched word,
 * then reads the announcement and notifies only then. With sequentially consistent atomics one of
 * the two sees the other's store (Dekker), so no wake-up is lost and no notify (a mutex in V8) is
 * wasted on a spinning thread.
 */
export const PROTOCOL_VERSION = 5;

export const CTL_WORDS = 64;
export const CTL_BYTES = CTL_WORDS * 4;
export const MAX_WORKERS = 16;

export const W_TASK = 0;
export const W_CMD = 1;
export const W_ARGS = 2;
export const W_COMPLETED = 32;
export const W_ERROR = 33;
export const W_SLEEPERS = 34;
export const W_MAIN_SLEEPING = 35;
/** Index of CLAIM in a BigInt64Array over the block (words 36–37, 8-byte aligned). */
export const Q_CLAIM = 18;
export const W_READY = 48;

export const CMD_GEMM_COLS = 1;
export const CMD_GEMM_ROWS = 2;
export const CMD_ADAM = 3;
export const CMD_EXIT = 4;
export const CMD_BN_FORWARD = 5;
export const CMD_BN_BACKWARD = 6;

// Argument words (offsets from W_ARGS). A task's chunks are [0, nChunks): the first A_PRE of them
// are a preparation phase (GEMM: packing the shared operand, in slices of A_PRE_CHUNK rows/columns
// of A_PRE_DIM) that must all complete before any later chunk starts (a barrier inside the task);
// the rest split [0, A_DIM) in slices of A_CHUNK.
export const A_CHUNK = 0;
export const A_NCHUNKS = 1;
export const A_DIM = 2;
export const A_PRE = 3;
export const A_PRE_CHUNK = 4;
export const A_PRE_DIM = 5;
/** GEMM: trans of the split operand, m, n, k, A (or packed A), B (or packed B), beta, C,
 *  then trans and source of the operand packed whole. */
export const G_TRANS = 6;
export const G_M = 7;
export const G_N = 8;
export const G_K = 9;
export const G_A = 10;
export const G_B = 11;
export const G_BETA = 12;
export const G_C = 13;
export const G_PACK_TRANS = 14;
export const G_PACK_SRC = 15;
/** Adam: w, g, m, v, then float32 lr, β1, 1−β1, β2, 1−β2, ε, 1/bc1, 1/bc2. */
export const ADAM_PTRS = 6;
export const ADAM_HYPER = 10;
/** Batch norm, split by columns: BN_PTRS.. pointers in kernel order (every one moves by the first
 *  column), then rows, the row stride, and ε as a float64 in two words. */
export const BN_PTRS = 6;
export const BN_ROWS = 14;
export const BN_LD = 15;
export const BN_EPS = 16;
export const ARG_WORDS = 18;

const f64Scratch = new Float64Array(1);
const f64Words = new Int32Array(f64Scratch.buffer);

export function setArgF64(args: Int32Array, at: number, v: number): void {
  f64Scratch[0] = v;
  args[at] = f64Words[0];
  args[at + 1] = f64Words[1];
}

function argF64(args: Int32Array, at: number): number {
  f64Words[0] = args[at];
  f64Words[1] = args[at + 1];
  return f64Scratch[0];
}

/**
 * Busy-poll iterations before sleeping in Atomics.wait; one Atomics.load is a builtin call in V8
 * 11, ≈ 20 ns. A futex wake costs 10–60 µs on this VM. The worker polls ≈ 0.5 ms after each task:
 * longer than the serial gaps inside a training step (batch gather, loss: ≈ 0.3 ms for W1), so within
 * a run it is reached in under a microsecond, yet an idle backend stops burning a core at once.
 * The main thread, waiting for the last chunks, polls ≈ 0.4 ms, then sleeps: past that a worker has
 * been descheduled, and spinning on would only compete with it for a CPU.
 */
export const WORKER_SPIN = 25_000;
export const MAIN_SPIN = 20_000;
const BARRIER_SPIN = 5_000;

/** What a kernel worker receives as workerData. */
export interface WorkerInit {
  protocol: number;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  ctl: number;
  /** Byte offset of this worker's GEMM scratch. */
  work: number;
  /** 0-based worker index (its READY word). */
  index: number;
}

/** Views of the control block for one thread. */
export interface Ctl {
  i32: Int32Array;
  f32: Float32Array;
  claim: BigInt64Array;
}

export function ctlViews(buffer: ArrayBufferLike, at: number): Ctl {
  return {
    i32: new Int32Array(buffer, at, CTL_WORDS),
    f32: new Float32Array(buffer, at, CTL_WORDS),
    claim: new BigInt64Array(buffer, at, CTL_WORDS / 2),
  };
}

const LOW32 = 0xffffffffn;

/** Next chunk index of task `tag`, or −1 when the task is finished or no longer current. */
export function claimChunk(ctl: Ctl, tag: bigint, nChunks: number): number {
  for (;;) {
    const v = Atomics.load(ctl.claim, Q_CLAIM);
    if (v >> 32n !== tag) return -1;
    const i = Number(v & LOW32);
    if (i >= nChunks) return -1;
    if (Atomics.compareExchange(ctl.claim, Q_CLAIM, v, v + 1n) === v) return i;
  }
}

/**
 * Runs chunk i of the task whose arguments the caller copied into `args` (its `fargs` alias them as
 * float32), waiting first, for a main-phase chunk, until the preparation chunks are complete.
 */
export function runChunk(k: KernelExports, ctl: Ctl, cmd: number, args: Int32Array, fargs: Float32Array, i: number,
  work: number): void {
  const pre = args[A_PRE];
  if (i < pre) {
    const lo = i * args[A_PRE_CHUNK];
    const hi = Math.min(args[A_PRE_DIM], lo + args[A_PRE_CHUNK]);
    // Columns split → A is packed whole, by rows; rows split → B, by columns.
    if (cmd === CMD_GEMM_COLS) k.packARows(args[G_PACK_TRANS], args[G_M], args[G_K], args[G_PACK_SRC], args[G_A], lo, hi);
    else k.packBCols(args[G_PACK_TRANS], args[G_N], args[G_K], args[G_PACK_SRC], args[G_B], lo, hi);
    return;
  }
  // Each preparation chunk was counted by a sequentially consistent Atomics.add after its stores, so
  // once this load sees them all counted, their packed data is visible here. Packing slices take
  // microseconds: spin, and only if the packer was descheduled, yield in 50 µs naps.
  let spins = 0;
  for (let done = Atomics.load(ctl.i32, W_COMPLETED); done < pre; done = Atomics.load(ctl.i32, W_COMPLETED)) {
    if (++spins > BARRIER_SPIN) Atomics.wait(ctl.i32, W_COMPLETED, done, 0.05);
  }
  const chunk = args[A_CHUNK];
  const lo = (i - pre) * chunk;
  const hi = Math.min(args[A_DIM], lo + chunk);
  if (cmd === CMD_GEMM_COLS) {
    k.gemmColumns(args[G_TRANS], args[G_M], args[G_N], args[G_K], args[G_A], args[G_B], args[G_BETA], args[G_C],
      lo, hi, work);
  } else if (cmd === CMD_GEMM_ROWS) {
    k.gemmRows(args[G_TRANS], args[G_M], args[G_N], args[G_K], args[G_A], args[G_B], args[G_BETA], args[G_C],
      lo, hi, work);
  } else if (cmd === CMD_BN_FORWARD) {
    const o = lo * 4;
    const p = BN_PTRS;
    k.batchNormTrainForward(args[BN_ROWS], hi - lo, args[BN_LD], args[p] + o, args[p + 1] + o, args[p + 2] + o,
      argF64(args, BN_EPS), args[p + 3] + o, args[p + 4] + o, args[p + 5] + o, args[p + 6] + o, args[p + 7] + o);
  } else if (cmd === CMD_BN_BACKWARD) {
    const o = lo * 4;
    const p = BN_PTRS;
    k.batchNormBackward(args[BN_ROWS], hi - lo, args[BN_LD], args[p] + o, args[p + 1] + o, args[p + 2] + o,
      args[p + 3] + o, args[p + 4] + o, args[p + 5] + o, args[p + 6] + o);
  } else if (cmd === CMD_ADAM) {
    const o = lo * 4;
    const p = ADAM_PTRS;
    const h = ADAM_HYPER;
    k.adamUpdate(hi - lo, args[p] + o, args[p + 1] + o, args[p + 2] + o, args[p + 3] + o, fargs[h], fargs[h + 1],
      fargs[h + 2], fargs[h + 3], fargs[h + 4], fargs[h + 5], fargs[h + 6], fargs[h + 7]);
  } else {
    throw new Error(`kernel worker: unknown command ${cmd}`);
  }
}

