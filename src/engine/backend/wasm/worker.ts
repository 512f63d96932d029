/**
 * Kernel worker (bundled to dist/kernel-worker.js). Instantiates kernels.wasm over the backend's
 * shared memory, then serves tasks from the control block (protocol.ts): poll for a while after
 * each task, then sleep in Atomics.wait until the next one is published.
 */
import { workerData } from 'node:worker_threads';
import type { KernelExports } from './kernels';
import {
  A_NCHUNKS, ARG_WORDS, CMD_EXIT, PROTOCOL_VERSION, W_ARGS, W_CMD, W_COMPLETED, W_ERROR, W_MAIN_SLEEPING,
  W_READY, W_SLEEPERS, W_TASK, WORKER_SPIN, claimChunk, ctlViews, runChunk, type WorkerInit,
} from './protocol';

const init = workerData as WorkerInit;
if (init.protocol !== PROTOCOL_VERSION) {
  throw new Error(`kernel-worker: protocol ${init.protocol} requested, this build speaks ${PROTOCOL_VERSION} ` +
    '(stale dist/kernel-worker.js: run `npm run build`)');
}
const k = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports as unknown as KernelExports;
// The block lies in the first pages, allocated before any growth, so these views stay valid.
const ctl = ctlViews(init.memory.buffer, init.ctl);
const i32 = ctl.i32;
const args = new Int32Array(ARG_WORDS);
const fargs = new Float32Array(args.buffer);

Atomics.store(i32, W_READY + init.index, 1);
Atomics.notify(i32, W_READY + init.index);

let last = Atomics.load(i32, W_TASK);
for (;;) {
  let task = Atomics.load(i32, W_TASK);
  let spins = 0;
  while (task === last) {
    if (++spins > WORKER_SPIN) {
      Atomics.add(i32, W_SLEEPERS, 1);
      Atomics.wait(i32, W_TASK, last);
      Atomics.sub(i32, W_SLEEPERS, 1);
      spins = 0;
    }
    task = Atomics.load(i32, W_TASK);
  }
  last = task;
  const cmd = i32[W_CMD];
  if (cmd === CMD_EXIT) break;
  for (let w = 0; w < ARG_WORDS; w++) args[w] = i32[W_ARGS + w];
  const nChunks = args[A_NCHUNKS];
  const tag = BigInt(task >>> 0);
  for (let i = claimChunk(ctl, tag, nChunks); i >= 0; i = claimChunk(ctl, tag, nChunks)) {
    try {
      runChunk(k, ctl, cmd, args, fargs, i, init.work);
    } catch {
      // A trap (e.g. a bad pointer) must not leave the main thread waiting: count the chunk, flag it.
      Atomics.store(i32, W_ERROR, 1);
    }
    if (Atomics.add(i32, W_COMPLETED, 1) + 1 === nChunks && Atomics.load(i32, W_MAIN_SLEEPING) !== 0) {
      Atomics.notify(i32, W_COMPLETED);
    }
  }
}
