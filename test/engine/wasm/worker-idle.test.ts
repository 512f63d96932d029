/**
 * Kernel workers poll for ~0.5 ms after a task, then sleep in Atomics.wait (protocol.ts). A CPU
 * profile shows an idle worker's samples in kernel-worker.js (the wait is sampled as its caller),
 * which looks like spinning; this checks the process's CPU time instead: an idle two-thread backend
 * must not keep a core busy (it would take half of a two-core machine from the main thread).
 */
import assert from 'node:assert/strict';
import { WasmBackend } from '../../../src/engine/backend/wasm/wasm-backend';
import { skipWithoutWasm } from './wasm-helpers';

describe('WasmBackend kernel workers when idle', function () {
  before(function () {
    skipWithoutWasm(this);
  });

  it('sleep after a threaded task and after tiny (main-thread) products: the process uses little CPU while waiting', async function () {
    this.timeout(20_000);
    const be = await WasmBackend.create({ threads: 2, relaxedSimd: 'off' });
    try {
      if (be.threads < 2) this.skip();
      const n = 256;
      const a = be.alloc(n * n).fill(1);
      const b = be.alloc(n * n).fill(1);
      const c = be.alloc(n * n);
      be.gemm(false, false, n, n, n, a, b, 0, c); // 16.8 M multiply-adds: split over both threads
      assert.equal(c[0], n);
      const x = be.alloc(211 * 20);
      for (let i = 0; i < 1000; i++) be.gemm(false, false, 211, 3, 20, x, b, 0, c); // course-sized: never dispatched
      const idle = async (): Promise<number> => {
        const before = process.cpuUsage();
        const t = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 400));
        const cpu = process.cpuUsage(before);
        return (cpu.user + cpu.system) / 1000 / (performance.now() - t);
      };
      const share = Math.min(await idle(), await idle());
      assert.ok(share < 0.25, `an idle backend used ${(100 * share).toFixed(0)} % of a core`);
    } finally {
      be.dispose();
    }
  });
});
