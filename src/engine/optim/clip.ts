import type { Backend } from '../backend/backend';
import type { Param } from '../model/layers/layer';

/** PyTorch's clip_grad_norm_ adds this to the norm before dividing (a zero gradient stays 0). */
const CLIP_EPS = 1e-6;

/**
 * ‖g‖₂ of all the parameters' gradients together (NaN/Inf propagate: the caller's divergence check),
 * for a fixed parameter list (a training loop asks every step): the per-tensor sums in one backend
 * call, added in parameter order.
 */
export function gradNormOf(backend: Backend, params: readonly Param[]): () => number {
  const sums = backend.sumSquaresOf(params.map((p) => p.grad));
  return () => {
    const s = sums();
    let sum = 0;
    for (let i = 0; i < s.length; i++) sum += s[i];
    return Math.sqrt(sum);
  };
}

/**
 * torch.nn.utils.clip_grad_norm_(params, maxNorm) for a norm already taken: coefficient
 * c = maxNorm/(‖g‖ + 1e-6); when c < 1 every gradient is multiplied by c. Returns c clamped to 1
 * (1: not clipped), so the caller can tell the unclipped gradient (g/c) in its statistics.
 */
export function clipGradients(params: readonly Param[], norm: number, maxNorm: number): number {
  const coef = maxNorm / (norm + CLIP_EPS);
  if (!(coef < 1)) return 1;
  for (const p of params) {
    const g = p.grad;
    for (let i = 0; i < g.length; i++) g[i] *= coef;
  }
  return coef;
}
