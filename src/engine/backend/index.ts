import * as os from 'node:os';
import type { Backend, DType } from './backend';
import { TsBackend } from './ts-backend';
import { createWasmBackend, wasmSimdAvailable } from './wasm';

export type { Backend, DType, FloatArray } from './backend';
export { TsBackend } from './ts-backend';

export interface BackendChoice {
  /** 'auto' picks WebAssembly SIMD for float32 when the runtime supports it. */
  prefer: 'auto' | 'wasm' | 'ts';
  dtype: DType;
  /** 0 = as many as the machine has (capped, see defaultThreads). */
  threads: number;
}

/**
 * Picks and starts the kernel backend for a run; the run summary reports which one ran. 'auto'
 * falls back to the TypeScript kernels where WebAssembly SIMD (or the kernels.wasm artefact) is
 * missing; 'wasm' makes that an error instead.
 */
export async function createBackend(choice: BackendChoice): Promise<Backend> {
  if (choice.dtype === 'float64' || choice.prefer === 'ts') return new TsBackend(choice.dtype);
  const threads = choice.threads > 0 ? choice.threads : defaultThreads();
  if (!wasmSimdAvailable()) {
    if (choice.prefer === 'wasm') throw new Error('the WebAssembly SIMD backend is not available here: this runtime has no WebAssembly SIMD');
    return new TsBackend(choice.dtype);
  }
  try {
    return await createWasmBackend(threads);
  } catch (e) {
    if (choice.prefer === 'wasm') throw new Error(`the WebAssembly SIMD backend is not available here: ${(e as Error).message}`, { cause: e });
    return new TsBackend(choice.dtype);
  }
}

/**
 * Threads when the experiment says 0: GRADIENT_LAB_THREADS (the extension's setting) if set, else
 * the cores available to this process, capped at 4 (beyond that the small GEMMs here stop scaling).
 */
export function defaultThreads(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.GRADIENT_LAB_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, Math.min(4, os.availableParallelism()));
}
