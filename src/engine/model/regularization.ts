import type { Backend } from '../backend/backend';
import type { Param } from './layers/layer';

/**
 * L2 adds λ/(2m)·Σ‖W‖²_F to the cost and (λ/m)·W to dW ("weight decay": W shrinks by lr·λ/m each
 * step); L1 adds λ/m·Σ|W| and (λ/m)·sign(W). Only weight matrices are regularised.
 */
export interface Regularization {
  l2: number;
  l1: number;
}

export function regularizationCost(backend: Backend, params: Param[], reg: Regularization, m: number): number {
  if (reg.l2 === 0 && reg.l1 === 0) return 0;
  let cost = 0;
  for (const p of params) {
    if (!p.regularized) continue;
    const n = p.value.length;
    if (reg.l2 !== 0) cost += (reg.l2 / (2 * m)) * backend.sumSquares(n, p.value);
    if (reg.l1 !== 0) cost += (reg.l1 / m) * backend.sumAbs(n, p.value);
  }
  return cost;
}

export function addRegularizationGradients(backend: Backend, params: Param[], reg: Regularization, m: number): void {
  if (reg.l2 === 0 && reg.l1 === 0) return;
  for (const p of params) {
    if (!p.regularized) continue;
    const n = p.value.length;
    if (reg.l2 !== 0) backend.axpy(n, reg.l2 / m, p.value, p.grad);
    if (reg.l1 !== 0) backend.axpySign(n, reg.l1 / m, p.value, p.grad);
  }
}
