/**
 * The main thread ↔ kernel worker protocol, shared by wasm-backend.ts and worker.ts.
 *
 * Each worker owns one slot of SLOT_WORDS int32 words in the shared linear memory:
 *   line 0 (words 0–15, written by the main thread): SEQ, CMD, then up to 14 arguments
 *   line 1 (words 16–31, written by the worker):     READY, DONE, ERROR, SLEEPING
 *   line 2 (words 32–47, written by the main thread): MAIN_SLEEPING
 * Separate 64-byte lines keep the two writers off each other's cache line. The main thread writes
 * the arguments and CMD, then bumps SEQ with Atomics.store (sequentially consistent: the worker's
 * Atomics.load of SEQ also sees the arguments) and notifies. The worker runs the command and stores
 * SEQ into DONE.
 *
 * Notify only a sleeper: a side that is about to sleep first stores its SLEEPING flag, then calls
 * Atomics.wait, which re-checks the watched word atomically. The other side stores the watched word,
 * then loads the flag. With sequentially consistent atomics one of the two sees the other's store
 * (the Dekker pattern): either the waker sees the flag and notifies, or the sleeper's wait finds the
 * word already changed and returns at once. An unneeded Atomics.notify costs a mutex in V8.
 */
export const PROTOCOL_VERSION = 2;

export const SLOT_WORDS = 48;
export const SLOT_BYTES = SLOT_WORDS * 4;

export const W_SEQ = 0;
export const W_CMD = 1;
/** First argument word; arguments are int32 (pointers, sizes) or float32 (hyperparameters). */
export const W_ARGS = 2;
export const W_READY = 16;
export const W_DONE = 17;
export const W_ERROR = 18;
export const W_SLEEPING = 19;
export const W_MAIN_SLEEPING = 32;

export const CMD_GEMM = 1;
export const CMD_ADAM = 2;
export const CMD_EXIT = 3;

/**
 * Busy-poll iterations (one Atomics.load each, ≈1–2 ns) before sleeping in Atomics.wait. A futex
 * wake costs 10–60 µs on this VM; the GEMMs of one training step come a few µs to ~100 µs apart, so
 * a worker that keeps polling for ~100 µs after each task is dispatched to in well under 1 µs.
 */
export const WORKER_SPIN = 60_000;
export const MAIN_SPIN = 200_000;

/** What a kernel worker receives as workerData. */
export interface WorkerInit {
  protocol: number;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of this worker's slot. */
  slot: number;
}
