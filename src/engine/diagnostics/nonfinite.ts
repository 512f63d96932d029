import type { FloatArray } from '../backend/backend';
import type { ForwardMode } from '../model/layers/layer';
import type { Network } from '../model/network';

export interface NonFiniteSite {
  layer: string;
  tensor: string;
  stage: 'weights' | 'forward' | 'backward';
}

function firstNonFinite(values: FloatArray): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/**
 * Finds where NaN/Inf first appears for a batch: parameters first, then each layer's output in
 * forward order, then each gradient in backward order (last layer first). Re-runs the batch, so
 * it is only called once a step has already gone non-finite.
 */
export function locateNonFinite(net: Network, x: FloatArray, y: Float64Array, rows: number,
  mode: ForwardMode): NonFiniteSite | null {
  const owner = (index: number): string => {
    let count = 0;
    for (const block of net.blocks) {
      const n = [block.dense, block.batchNorm, block.activation, block.dropout].filter((l) => l).length;
      if (index < count + n) return block.label;
      count += n;
    }
    return `layer ${index}`;
  };
  for (let i = 0; i < net.layers.length; i++) {
    for (const p of net.layers[i].params()) {
      if (firstNonFinite(p.value) >= 0) return { layer: owner(i), tensor: p.name, stage: 'weights' };
    }
  }
  const noUpdate = { ...mode, updateRunningStats: false };
  let a = x;
  for (let i = 0; i < net.layers.length; i++) {
    a = net.layers[i].forward(a, rows, noUpdate);
    if (firstNonFinite(a.subarray(0, rows * net.layers[i].outFeatures)) >= 0) {
      return { layer: owner(i), tensor: `${net.layers[i].kind} output`, stage: 'forward' };
    }
  }
  const { cost, dz } = net.loss.forward(a, rows, y, true);
  if (!Number.isFinite(cost)) return { layer: 'output', tensor: 'loss', stage: 'forward' };
  let d = dz;
  for (let i = net.layers.length - 1; i >= 0; i--) {
    d = net.layers[i].backward(d, rows);
    for (const p of net.layers[i].params()) {
      if (firstNonFinite(p.grad) >= 0) return { layer: owner(i), tensor: `d${p.name}`, stage: 'backward' };
    }
  }
  return null;
}
