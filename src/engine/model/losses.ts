import type { Backend, FloatArray } from '../backend/backend';
import { CompensatedSum } from '../backend/ts-backend';
import { PrefixViews } from '../backend/views';

export type LossKind = 'sigmoidBce' | 'softmaxCe' | 'mse';

/**
 * The output activation fused with its loss, taking logits Z (rows × outputs). The cost is the
 * mean over the rows; the gradient written is dCost/dZ, so it already carries the 1/m.
 * Fusing keeps the gradient exact and stable: (σ(z) − y)/m and (softmax(z) − onehot(y))/m.
 */
export class Loss {
  private readonly dz: FloatArray;
  private readonly dzViews: PrefixViews;

  constructor(private readonly backend: Backend, readonly kind: LossKind, readonly outputs: number, capacity: number) {
    this.dz = backend.alloc(capacity * outputs);
    this.dzViews = new PrefixViews(this.dz);
  }

  /**
   * Cost of logits `z` against targets `y` (class index per row, or rows×outputs regression
   * targets). When `withGrad`, returns the gradient in a buffer the loss owns.
   */
  forward(z: FloatArray, rows: number, y: Float64Array, withGrad: boolean): { cost: number; dz: FloatArray } {
    const c = this.outputs;
    const dz = this.gradient(rows * c);
    const invM = 1 / rows;
    if (this.kind === 'sigmoidBce') {
      const sum = this.backend.sigmoidBce
        ? this.backend.sigmoidBce(rows, z, y, withGrad ? dz : null, invM)
        : sigmoidBce(z, rows, y, withGrad ? dz : null, invM);
      return { cost: sum * invM, dz };
    }
    const total = new CompensatedSum();
    switch (this.kind) {
      case 'softmaxCe':
        for (let i = 0; i < rows; i++) {
          const o = i * c;
          let max = -Infinity;
          for (let k = 0; k < c; k++) if (z[o + k] > max) max = z[o + k];
          let sum = 0;
          for (let k = 0; k < c; k++) sum += Math.exp(z[o + k] - max);
          const logSumExp = max + Math.log(sum);
          const label = y[i];
          total.add(logSumExp - z[o + label]);
          if (withGrad) {
            for (let k = 0; k < c; k++) dz[o + k] = (Math.exp(z[o + k] - logSumExp) - (k === label ? 1 : 0)) * invM;
          }
        }
        break;
      case 'mse':
        for (let i = 0; i < rows * c; i++) {
          const d = z[i] - y[i];
          total.add(0.5 * d * d);
          if (withGrad) dz[i] = d * invM;
        }
        break;
    }
    return { cost: total.value() * invM, dz };
  }

  /** The first n entries of the gradient buffer. */
  private gradient(n: number): FloatArray {
    return this.dzViews.get(n);
  }

  /**
   * Per-row prediction: class index for classification, else the output itself.
   * Returns errors (misclassified rows, or the sum of squared errors for regression).
   */
  countErrors(z: FloatArray, rows: number, y: Float64Array, predictions?: Int32Array): number {
    const c = this.outputs;
    let errors = 0;
    if (this.kind === 'sigmoidBce') {
      for (let i = 0; i < rows; i++) {
        const predicted = z[i] > 0 ? 1 : 0;
        if (predictions) predictions[i] = predicted;
        if (predicted !== y[i]) errors++;
      }
      return errors;
    }
    for (let i = 0; i < rows; i++) {
      if (this.kind === 'mse') {
        for (let k = 0; k < c; k++) {
          const d = z[i * c + k] - y[i * c + k];
          errors += d * d;
        }
        continue;
      }
      const predicted = this.predictClass(z, i);
      if (predictions) predictions[i] = predicted;
      if (predicted !== y[i]) errors++;
    }
    return errors;
  }

  predictClass(z: FloatArray, row: number): number {
    const c = this.outputs;
    if (this.kind === 'sigmoidBce') return z[row] > 0 ? 1 : 0;
    let best = 0;
    for (let k = 1; k < c; k++) if (z[row * c + k] > z[row * c + best]) best = k;
    return best;
  }

  /** Probability of class 1 (binary) / of each class (softmax), for decision-boundary maps. */
  probabilities(z: FloatArray, row: number, out: number[]): void {
    const c = this.outputs;
    if (this.kind === 'sigmoidBce') {
      out[0] = sigmoid(z[row]);
      return;
    }
    let max = -Infinity;
    for (let k = 0; k < c; k++) max = Math.max(max, z[row * c + k]);
    let sum = 0;
    for (let k = 0; k < c; k++) sum += (out[k] = Math.exp(z[row * c + k] - max));
    for (let k = 0; k < c; k++) out[k] /= sum;
  }
}

/**
 * Σ_i of −[y log σ(z) + (1−y) log(1−σ(z))] = max(z,0) − z·y + log(1 + e^−|z|) (stable for any z),
 * summed as CompensatedSum does (inlined: this loop runs over every row of every evaluation); with
 * `dz`, also dz[i] = (σ(z_i) − y_i)·invM. σ(z) takes the same e^−|z| (it is e^−z for z ≥ 0 and e^z
 * below: what sigmoid() computes), so each row costs one exp, with sigmoid()'s very bits.
 */
function sigmoidBce(z: FloatArray, rows: number, y: Float64Array, dz: FloatArray | null, invM: number): number {
  let sum = 0;
  let compensation = 0;
  if (dz === null) {
    for (let i = 0; i < rows; i++) {
      const zi = z[i];
      const x = Math.max(zi, 0) - zi * y[i] + Math.log1p(Math.exp(-Math.abs(zi)));
      const t = sum + x;
      compensation += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
      sum = t;
    }
  } else {
    for (let i = 0; i < rows; i++) {
      const zi = z[i];
      const yi = y[i];
      const e = Math.exp(-Math.abs(zi));
      const x = Math.max(zi, 0) - zi * yi + Math.log1p(e);
      const t = sum + x;
      compensation += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
      sum = t;
      dz[i] = ((zi >= 0 ? 1 / (1 + e) : e / (1 + e)) - yi) * invM;
    }
  }
  return sum + compensation;
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
