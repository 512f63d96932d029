import type { FloatArray } from '../../backend/backend';

/** A learnable tensor with its gradient, both laid out row-major. */
export interface Param {
  /** 'W' | 'b' | 'gamma' | 'beta' (or a test layer's own name). */
  readonly name: string;
  readonly shape: readonly [number, number];
  readonly value: FloatArray;
  readonly grad: FloatArray;
  /** L1/L2 apply to weight matrices only, never to b, γ or β. */
  readonly regularized: boolean;
}

/**
 * How a forward pass should behave:
 * - `training`: batch norm uses batch statistics (else its running averages);
 * - `dropout`: inverted dropout is active (off at inference and for the gradient check);
 * - `updateRunningStats`: batch norm folds the batch statistics into its running averages.
 */
export interface ForwardMode {
  training: boolean;
  dropout: boolean;
  updateRunningStats: boolean;
}

export const INFERENCE: ForwardMode = { training: false, dropout: false, updateRunningStats: false };

/**
 * One step of the network. `forward` returns a buffer the layer owns (valid until its next
 * forward); `backward` returns the gradient w.r.t. the layer's input in a buffer the layer owns,
 * and never writes into `dOut`.
 */
export interface Layer {
  readonly kind: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  params(): Param[];
  forward(x: FloatArray, rows: number, mode: ForwardMode): FloatArray;
  backward(dOut: FloatArray, rows: number): FloatArray;
}
