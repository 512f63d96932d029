// A dense layer's forward pass in one call: Z = X·W (gemmSmall, NN), Z += b (addRowVector), then
// A = g(Z) (activationForward) — the very kernels the host would call one by one, in that order,
// so the same bits; one JavaScript → WebAssembly transition instead of three. Only for products
// the host sends to gemmSmall anyway (it decides, by shape: see wasm-backend.ts).
import { gemmSmall } from './gemm';
import { activationForward, addRowVector } from './elementwise';

/** bias = 0: no bias; kind < 0: no activation (a unused). */
export function denseForwardSmall(m: i32, n: i32, k: i32, x: usize, w: usize, bias: usize, z: usize, kind: i32, a: usize,
  alpha: f32): void {
  gemmSmall(0, 0, m, n, k, x, w, 0, z);
  if (bias) addRowVector(m, n, z, bias, z);
  if (kind >= 0) activationForward(kind, m * n, z, a, alpha);
}
