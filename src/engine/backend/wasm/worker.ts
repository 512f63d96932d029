/**
 * Kernel worker (bundled to dist/kernel-worker.js). Instantiates kernels.wasm over the backend's
 * shared memory and runs the commands the main thread posts in its slot (see protocol.ts): poll
 * for a while after each task, then sleep in Atomics.wait until the next.
 */
import { workerData } from 'node:worker_threads';
import type { KernelExports } from './kernels';
import {
  CMD_ADAM, CMD_EXIT, CMD_GEMM, PROTOCOL_VERSION, SLOT_WORDS, W_ARGS, W_CMD, W_DONE, W_ERROR, W_MAIN_SLEEPING, W_READY, W_SEQ,
  W_SLEEPING, WORKER_SPIN, type WorkerInit,
} from './protocol';

const init = workerData as WorkerInit;
if (init.protocol !== PROTOCOL_VERSION) {
  throw new Error(`kernel-worker: protocol ${init.protocol} requested, this build speaks ${PROTOCOL_VERSION} ` +
    '(stale dist/kernel-worker.js: run `npm run build`)');
}
const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
const k = instance.exports as unknown as KernelExports;
// The slot lies in the first pages, allocated before any growth, so this view stays valid.
const ctl = new Int32Array(init.memory.buffer, init.slot, SLOT_WORDS);
const f32 = new Float32Array(init.memory.buffer, init.slot, SLOT_WORDS);

Atomics.store(ctl, W_READY, 1);
Atomics.notify(ctl, W_READY);

let last = 0;
for (;;) {
  let seq = Atomics.load(ctl, W_SEQ);
  let spins = 0;
  while (seq === last) {
    if (++spins > WORKER_SPIN) {
      Atomics.store(ctl, W_SLEEPING, 1);
      Atomics.wait(ctl, W_SEQ, last);
      Atomics.store(ctl, W_SLEEPING, 0);
      spins = 0;
    }
    seq = Atomics.load(ctl, W_SEQ);
  }
  last = seq;
  const cmd = ctl[W_CMD];
  if (cmd === CMD_EXIT) break;
  const a = W_ARGS;
  try {
    if (cmd === CMD_GEMM) {
      k.gemmPacked(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7],
        ctl[a + 8], ctl[a + 9], ctl[a + 10], ctl[a + 11], ctl[a + 12], ctl[a + 13]);
    } else if (cmd === CMD_ADAM) {
      k.adamUpdate(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], f32[a + 5], f32[a + 6], f32[a + 7],
        f32[a + 8], f32[a + 9], f32[a + 10], f32[a + 11], f32[a + 12]);
    } else {
      throw new Error(`unknown command ${cmd}`);
    }
    ctl[W_ERROR] = 0;
  } catch {
    // A trap (e.g. an out-of-bounds pointer) must not leave the main thread waiting forever.
    ctl[W_ERROR] = 1;
  }
  Atomics.store(ctl, W_DONE, seq);
  if (Atomics.load(ctl, W_MAIN_SLEEPING) !== 0) Atomics.notify(ctl, W_DONE);
}
