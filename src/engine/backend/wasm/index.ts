/**
 * The WebAssembly SIMD backend: float32 kernels from dist/kernels.wasm, GEMMs split over worker
 * threads. Selection (and the fallback to TsBackend) is up to the caller:
 *
 *   if (wasmSimdAvailable()) backend = await createWasmBackend(threads);
 */
import { WasmBackend, type WasmBackendOptions } from './wasm-backend';

export { WasmBackend, type WasmBackendOptions } from './wasm-backend';
export {
  wasmSimdAvailable, relaxedSimdAvailable, findArtefact, KERNELS_FILE, KERNELS_FMA_FILE, WORKER_FILE,
  type KernelVariant, type RelaxedSimdMode,
} from './kernels';

/**
 * A ready WasmBackend with `threads` threads (default min(available cores, 4)). Rejects when
 * kernels.wasm is missing or the engine lacks WebAssembly SIMD or shared memory.
 */
export function createWasmBackend(threads?: number, options: Omit<WasmBackendOptions, 'threads'> = {}):
Promise<WasmBackend> {
  return WasmBackend.create({ ...options, threads });
}
