import type { Backend, FloatArray } from '../backend/backend';
import type { HiddenLayerConfig, InitKind } from '../../shared/config';
import type { Rng } from '../util/rng';
import { ActivationLayer } from './layers/activation';
import { BatchNorm } from './layers/batchnorm';
import { Dense } from './layers/dense';
import { Dropout } from './layers/dropout';
import type { ForwardMode, Layer, Param } from './layers/layer';
import { Loss, type LossKind } from './losses';
import { addRegularizationGradients, regularizationCost, type Regularization } from './regularization';

export interface NetworkSpec {
  inputs: number;
  hidden: HiddenLayerConfig[];
  outputs: number;
  loss: LossKind;
  leakyReluSlope: number;
  batchNormMomentum: number;
  batchNormEpsilon: number;
}

/**
 * A hidden or output "block" as the user thinks of it: Dense (no bias under batch norm) →
 * BatchNorm? → activation → Dropout?. Per-layer statistics and the gradient check report by block.
 */
export interface Block {
  readonly index: number;
  readonly label: string;
  readonly dense: Dense;
  readonly batchNorm: BatchNorm | null;
  readonly activation: ActivationLayer | null;
  readonly dropout: Dropout | null;
}

export class Network {
  readonly layers: Layer[] = [];
  readonly blocks: Block[] = [];
  readonly loss: Loss;

  constructor(readonly backend: Backend, readonly spec: NetworkSpec, readonly capacity: number, dropoutRng: Rng) {
    let inputs = spec.inputs;
    spec.hidden.forEach((h, i) => {
      const dense = new Dense(backend, inputs, h.units, capacity, !h.batchNorm, i > 0);
      const batchNorm = h.batchNorm
        ? new BatchNorm(backend, h.units, capacity, spec.batchNormMomentum, spec.batchNormEpsilon) : null;
      const activation = new ActivationLayer(backend, h.activation, h.units, capacity, spec.leakyReluSlope);
      const dropout = h.keepProb < 1 ? new Dropout(backend, h.units, capacity, h.keepProb, dropoutRng) : null;
      this.addBlock({ index: i, label: `hidden ${i + 1}`, dense, batchNorm, activation, dropout });
      inputs = h.units;
    });
    const out = new Dense(backend, inputs, spec.outputs, capacity, true, spec.hidden.length > 0);
    this.addBlock({ index: spec.hidden.length, label: 'output', dense: out, batchNorm: null, activation: null, dropout: null });
    this.loss = new Loss(backend, spec.loss, spec.outputs, capacity);
  }

  private addBlock(block: Block): void {
    this.blocks.push(block);
    for (const layer of [block.dense, block.batchNorm, block.activation, block.dropout]) {
      if (layer) this.layers.push(layer);
    }
  }

  /** Lets a test put an extra layer (e.g. one with a planted bug) at a position. */
  insertLayer(position: number, layer: Layer): void {
    this.layers.splice(position, 0, layer);
    this.paramList = null;
  }

  /** params() as last built: the layers and their Params are fixed once built (insertLayer resets it). */
  private paramList: Param[] | null = null;

  /**
   * Every layer's parameters, in layer order. The same array on every call (a training step asks
   * several times); callers must not modify it.
   */
  params(): Param[] {
    return (this.paramList ??= this.layers.flatMap((l) => l.params()));
  }

  parameterCount(): number {
    return this.params().reduce((s, p) => s + p.value.length, 0);
  }

  /** Logits for a batch of `rows` inputs. */
  forward(x: FloatArray, rows: number, mode: ForwardMode): FloatArray {
    let a = x;
    const layers = this.layers;
    const fuse = this.backend.denseForward !== undefined;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i];
      if (fuse && layer instanceof Dense) {
        // Dense → activation in one backend call where it has one (the same state and bits).
        const next = layers[i + 1];
        const activation = next instanceof ActivationLayer ? next : null;
        const out = layer.forwardFused(a, rows, activation);
        if (out !== null) {
          a = out;
          if (activation) i++;
          continue;
        }
      }
      a = layer.forward(a, rows, mode);
    }
    return a;
  }

  /** Backprop from dCost/dLogits; fills every Param.grad (data term only). */
  backward(dLogits: FloatArray, rows: number): void {
    let d = dLogits;
    for (let i = this.layers.length - 1; i >= 0; i--) d = this.layers[i].backward(d, rows);
  }

  /**
   * Cost J = data loss + regularisation for one batch, and (withGrad) all gradients of J.
   * `m` for the regularisation terms is the batch size, as in the course's formulas.
   */
  costAndGradients(x: FloatArray, y: Float64Array, rows: number, mode: ForwardMode, reg: Regularization,
    withGrad: boolean): { cost: number; dataCost: number; logits: FloatArray } {
    const logits = this.forward(x, rows, mode);
    const { cost: dataCost, dz } = this.loss.forward(logits, rows, y, withGrad);
    const params = this.params();
    const cost = dataCost + regularizationCost(this.backend, params, reg, rows);
    if (withGrad) {
      this.backward(dz, rows);
      addRegularizationGradients(this.backend, params, reg, rows);
    }
    return { cost, dataCost, logits };
  }

  initialize(kind: InitKind, scale: number, rng: Rng): void {
    for (const block of this.blocks) {
      const w = block.dense.weights.value;
      const fanIn = block.dense.inFeatures;
      // Xavier √(1/n) keeps Var(z) ≈ Var(x) for tanh; He √(2/n) compensates ReLU zeroing half the units.
      const std = kind === 'zeros' ? 0 : kind === 'random' ? scale : kind === 'xavier' ? Math.sqrt(1 / fanIn) : Math.sqrt(2 / fanIn);
      for (let i = 0; i < w.length; i++) w[i] = std === 0 ? 0 : rng.normal() * std;
      block.dense.bias?.value.fill(0);
    }
  }

  /** Batch-norm running averages, which are state but not parameters. */
  runningStats(): FloatArray[] {
    return this.blocks.flatMap((b) => (b.batchNorm ? [b.batchNorm.runningMean, b.batchNorm.runningVar] : []));
  }

  /** Copies parameters and running statistics from another network of the same spec (any dtype). */
  copyFrom(other: Network): void {
    const mine = [...this.params().map((p) => p.value), ...this.runningStats()];
    const theirs = [...other.params().map((p) => p.value), ...other.runningStats()];
    if (mine.length !== theirs.length) throw new Error('copyFrom: networks differ in shape');
    mine.forEach((dst, i) => {
      if (dst.length !== theirs[i].length) throw new Error('copyFrom: networks differ in shape');
      dst.set(theirs[i]);
    });
  }

  /** Every parameter and running statistic as plain number arrays (checkpoints, model files). */
  exportState(): { params: { name: string; block: number; shape: readonly [number, number]; data: number[] }[]; running: number[][] } {
    const params = this.blocks.flatMap((b) => [b.dense, b.batchNorm].filter((l): l is Dense | BatchNorm => l !== null)
      .flatMap((l) => l.params().map((p) => ({ name: p.name, block: b.index, shape: p.shape, data: Array.from(p.value) }))));
    return { params, running: this.runningStats().map((r) => Array.from(r)) };
  }

  /** exportState with typed copies (a memcpy each) instead of number arrays: for checkpoints, written as raw bytes. */
  exportTensors(): { params: { name: string; block: number; shape: readonly [number, number]; data: FloatArray }[]; running: FloatArray[] } {
    const params = this.blocks.flatMap((b) => [b.dense, b.batchNorm].filter((l): l is Dense | BatchNorm => l !== null)
      .flatMap((l) => l.params().map((p) => ({ name: p.name, block: b.index, shape: p.shape, data: p.value.slice() }))));
    return { params, running: this.runningStats().map((r) => r.slice()) };
  }

  importState(state: { params: { data: ArrayLike<number> }[]; running: ArrayLike<number>[] }): void {
    const params = this.params();
    const running = this.runningStats();
    if (state.params.length !== params.length || state.running.length !== running.length) {
      throw new Error('the saved model does not match this network (different layers)');
    }
    params.forEach((p, i) => {
      if (state.params[i].data.length !== p.value.length) throw new Error(`the saved ${p.name} has the wrong size`);
      p.value.set(state.params[i].data);
    });
    running.forEach((r, i) => r.set(state.running[i]));
  }
}
