import type { LayerStat } from '../../shared/protocol';
import type { Backend, FloatArray } from '../backend/backend';
import type { Network } from '../model/network';

/** tanh is "saturated" beyond |a| > 0.99, sigmoid below 0.01 or above 0.99 (gradient < ~1 %). */
const SATURATION = 0.99;

/**
 * Per-block statistics, taken every N iterations. `before` snapshots W so the update's size can be
 * measured after the optimizer step; the cost is one copy of the weights per sampled iteration.
 * The flags judged from these samples are ./gradient-flags.
 */
export class LayerStatsRecorder {
  private readonly previous: FloatArray[];
  /** Σ x² of every block's dW, W and W_prev − W: one backend call each (a sample made 3 a layer). */
  private readonly gradSums: () => Float64Array;
  private readonly weightSums: () => Float64Array;
  private readonly updateSums: () => Float64Array;

  constructor(private readonly backend: Backend, private readonly net: Network) {
    this.previous = net.blocks.map((b) => backend.alloc(b.dense.weights.value.length));
    this.gradSums = backend.sumSquaresOf(net.blocks.map((b) => b.dense.weights.grad));
    this.weightSums = backend.sumSquaresOf(net.blocks.map((b) => b.dense.weights.value));
    this.updateSums = backend.sumSquaresOf(this.previous);
  }

  /** Call after backward, before the optimizer step. */
  before(): void {
    this.net.blocks.forEach((b, i) => this.previous[i].set(b.dense.weights.value));
  }

  /**
   * Call after the optimizer step. `gradScale`: the factor clipping multiplied the gradients by;
   * gradient statistics are divided by it, so they describe the unclipped gradient.
   */
  after(gradScale = 1): LayerStat[] {
    const backend = this.backend;
    const blocks = this.net.blocks;
    // ‖W − W_prev‖² with the backend's kernels (prev ← prev − W, then Σ prev²): a JS loop over
    // W1's 235k weights cost ~1 ms per sample, most of the telemetry budget.
    blocks.forEach((b, i) => backend.axpy(b.dense.weights.value.length, -1, b.dense.weights.value, this.previous[i]));
    const grad2 = this.gradSums();
    const weight2 = this.weightSums();
    const update2 = this.updateSums();
    return blocks.map((block, i) => {
      const w = block.dense.weights;
      const n = w.value.length;
      const gradNorm = Math.sqrt(grad2[i]) / gradScale;
      const weightNorm = Math.sqrt(weight2[i]);
      const stat: LayerStat = {
        layer: block.label, gradNorm, weightNorm,
        updateRatio: weightNorm === 0 ? 0 : Math.sqrt(update2[i]) / weightNorm,
        meanAbsGrad: backend.sumAbs(n, w.grad) / n / gradScale,
        activationMean: 0, activationStd: 0, saturated: 0, deadRelu: 0,
      };
      if (block.activation) {
        const { values, rows } = block.activation.output();
        const units = block.activation.inFeatures;
        Object.assign(stat, activationStats(values, rows, units, block.activation.activation));
      }
      return stat;
    });
  }
}

function activationStats(values: FloatArray, rows: number, units: number, kind: string):
  Pick<LayerStat, 'activationMean' | 'activationStd' | 'saturated' | 'deadRelu'> {
  const n = rows * units;
  if (n === 0) return { activationMean: 0, activationStd: 0, saturated: 0, deadRelu: 0 };
  let sum = 0;
  let sum2 = 0;
  let saturated = 0;
  // One row-major pass: a unit is alive once any row activates it (a column-wise scan strides
  // through memory and cost more than the rest of the statistics together).
  const relu = kind === 'relu';
  const alive = relu ? new Uint8Array(units) : null;
  for (let r = 0, i = 0; r < rows; r++) {
    for (let j = 0; j < units; j++, i++) {
      const a = values[i];
      sum += a;
      sum2 += a * a;
      if (alive !== null && a > 0) alive[j] = 1;
      else if (kind === 'tanh' && Math.abs(a) > SATURATION) saturated++;
      else if (kind === 'sigmoid' && (a < 1 - SATURATION || a > SATURATION)) saturated++;
    }
  }
  const mean = sum / n;
  let dead = 0;
  if (alive !== null) for (let j = 0; j < units; j++) dead += 1 - alive[j];
  return {
    activationMean: mean,
    activationStd: Math.sqrt(Math.max(0, sum2 / n - mean * mean)),
    saturated: saturated / n,
    deadRelu: relu ? dead / units : 0,
  };
}
