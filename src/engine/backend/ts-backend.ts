import { Rng } from '../util/rng';
import type { ActivationKind, AdamHyper, Backend, DType, FloatArray } from './backend';

/**
 * Plain TypeScript kernels, float32 or float64. The reference every faster backend is tested
 * against, the fallback where WebAssembly SIMD is missing, and (in float64) the gradient check's.
 */
export class TsBackend implements Backend {
  readonly name = 'ts';
  readonly threads = 1;

  constructor(readonly dtype: DType) {}

  alloc(length: number): FloatArray {
    return this.dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
  }

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: FloatArray, b: FloatArray, beta: 0 | 1, c: FloatArray): void {
    if (beta === 0) c.fill(0, 0, m * n);
    if (!transA && !transB) {
      // i-p-j order: the inner loop walks rows of B and C contiguously.
      for (let i = 0; i < m; i++) {
        const ci = i * n;
        for (let p = 0; p < k; p++) {
          const aip = a[i * k + p];
          if (aip === 0) continue;
          const bp = p * n;
          for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
        }
      }
    } else if (transA && !transB) {
      // A stored k×m: C[i,j] += Σ_p A[p,i]·B[p,j]; p-i-j keeps B and C contiguous.
      for (let p = 0; p < k; p++) {
        const ap = p * m;
        const bp = p * n;
        for (let i = 0; i < m; i++) {
          const api = a[ap + i];
          if (api === 0) continue;
          const ci = i * n;
          for (let j = 0; j < n; j++) c[ci + j] += api * b[bp + j];
        }
      }
    } else if (!transA && transB) {
      // B stored n×k: C[i,j] += Σ_p A[i,p]·B[j,p], a dot product of two contiguous rows.
      for (let i = 0; i < m; i++) {
        const ai = i * k;
        for (let j = 0; j < n; j++) {
          const bj = j * k;
          let sum = 0;
          for (let p = 0; p < k; p++) sum += a[ai + p] * b[bj + p];
          c[i * n + j] += sum;
        }
      }
    } else {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let sum = 0;
          for (let p = 0; p < k; p++) sum += a[p * m + i] * b[j * k + p];
          c[i * n + j] += sum;
        }
      }
    }
  }

  addRowVector(rows: number, cols: number, x: FloatArray, bias: FloatArray, out: FloatArray): void {
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let j = 0; j < cols; j++) out[o + j] = x[o + j] + bias[j];
    }
  }

  sumRows(rows: number, cols: number, x: FloatArray, out: FloatArray): void {
    out.fill(0, 0, cols);
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let j = 0; j < cols; j++) out[j] += x[o + j];
    }
  }

  activationForward(kind: ActivationKind, n: number, z: FloatArray, a: FloatArray, alpha: number): void {
    switch (kind) {
      case 'relu':
        for (let i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : 0;
        return;
      case 'leakyRelu':
        for (let i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : alpha * z[i];
        return;
      case 'tanh':
        for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i]);
        return;
      case 'sigmoid':
        for (let i = 0; i < n; i++) a[i] = sigmoid(z[i]);
        return;
      case 'linear':
        if (a !== z) a.set(z.subarray(0, n));
        return;
    }
  }

  activationBackward(kind: ActivationKind, n: number, z: FloatArray, a: FloatArray, dA: FloatArray,
    dZ: FloatArray, alpha: number): void {
    switch (kind) {
      case 'relu':
        for (let i = 0; i < n; i++) dZ[i] = z[i] > 0 ? dA[i] : 0;
        return;
      case 'leakyRelu':
        for (let i = 0; i < n; i++) dZ[i] = z[i] > 0 ? dA[i] : alpha * dA[i];
        return;
      case 'tanh':
        for (let i = 0; i < n; i++) dZ[i] = dA[i] * (1 - a[i] * a[i]);
        return;
      case 'sigmoid':
        for (let i = 0; i < n; i++) dZ[i] = dA[i] * a[i] * (1 - a[i]);
        return;
      case 'linear':
        if (dZ !== dA) dZ.set(dA.subarray(0, n));
        return;
    }
  }

  mul(n: number, x: FloatArray, y: FloatArray, out: FloatArray): void {
    for (let i = 0; i < n; i++) out[i] = x[i] * y[i];
  }

  axpy(n: number, alpha: number, x: FloatArray, y: FloatArray): void {
    for (let i = 0; i < n; i++) y[i] += alpha * x[i];
  }

  axpySign(n: number, alpha: number, x: FloatArray, y: FloatArray): void {
    for (let i = 0; i < n; i++) y[i] += alpha * Math.sign(x[i]);
  }

  sumSquares(n: number, x: FloatArray): number {
    const sum = new CompensatedSum();
    for (let i = 0; i < n; i++) sum.add(x[i] * x[i]);
    return sum.value();
  }

  sumSquaresOf(arrays: readonly FloatArray[]): () => Float64Array {
    const out = new Float64Array(arrays.length);
    return () => {
      for (let i = 0; i < arrays.length; i++) out[i] = this.sumSquares(arrays[i].length, arrays[i]);
      return out;
    };
  }

  sumAbs(n: number, x: FloatArray): number {
    const sum = new CompensatedSum();
    for (let i = 0; i < n; i++) sum.add(Math.abs(x[i]));
    return sum.value();
  }

  batchNormTrainForward(rows: number, cols: number, z: FloatArray, gamma: FloatArray, beta: FloatArray,
    epsilon: number, mean: FloatArray, variance: FloatArray, invStd: FloatArray, zHat: FloatArray,
    out: FloatArray): void {
    for (let j = 0; j < cols; j++) {
      let mu = 0;
      for (let i = 0; i < rows; i++) mu += z[i * cols + j];
      mu /= rows;
      let v = 0;
      for (let i = 0; i < rows; i++) {
        const d = z[i * cols + j] - mu;
        v += d * d;
      }
      v /= rows;
      const inv = 1 / Math.sqrt(v + epsilon);
      mean[j] = mu;
      variance[j] = v;
      invStd[j] = inv;
      const g = gamma[j];
      const b = beta[j];
      for (let i = 0; i < rows; i++) {
        const idx = i * cols + j;
        const h = (z[idx] - mu) * inv;
        zHat[idx] = h;
        out[idx] = g * h + b;
      }
    }
  }

  batchNormBackward(rows: number, cols: number, dOut: FloatArray, zHat: FloatArray, gamma: FloatArray,
    invStd: FloatArray, dGamma: FloatArray, dBeta: FloatArray, dz: FloatArray): void {
    for (let j = 0; j < cols; j++) {
      let db = 0;
      let dg = 0;
      for (let i = 0; i < rows; i++) {
        const idx = i * cols + j;
        db += dOut[idx];
        dg += dOut[idx] * zHat[idx];
      }
      dBeta[j] = db;
      dGamma[j] = dg;
      const scale = (gamma[j] * invStd[j]) / rows;
      for (let i = 0; i < rows; i++) {
        const idx = i * cols + j;
        dz[idx] = scale * (rows * dOut[idx] - db - zHat[idx] * dg);
      }
    }
  }

  batchNormInferForward(rows: number, cols: number, z: FloatArray, gamma: FloatArray, beta: FloatArray,
    runningMean: FloatArray, runningVar: FloatArray, epsilon: number, out: FloatArray): void {
    for (let j = 0; j < cols; j++) {
      const scale = gamma[j] / Math.sqrt(runningVar[j] + epsilon);
      const shift = beta[j] - runningMean[j] * scale;
      for (let i = 0; i < rows; i++) out[i * cols + j] = z[i * cols + j] * scale + shift;
    }
  }

  momentumUpdate(n: number, w: FloatArray, g: FloatArray, v: FloatArray, lr: number, beta: number): void {
    for (let i = 0; i < n; i++) {
      v[i] = beta * v[i] + (1 - beta) * g[i];
      w[i] -= lr * v[i];
    }
  }

  rmspropUpdate(n: number, w: FloatArray, g: FloatArray, s: FloatArray, lr: number, beta2: number,
    epsilon: number): void {
    for (let i = 0; i < n; i++) {
      s[i] = beta2 * s[i] + (1 - beta2) * g[i] * g[i];
      w[i] -= (lr * g[i]) / (Math.sqrt(s[i]) + epsilon);
    }
  }

  adamUpdate(n: number, w: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, h: AdamHyper): void {
    const { lr, beta1, beta2, epsilon, biasCorrection1, biasCorrection2 } = h;
    for (let i = 0; i < n; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      w[i] -= (lr * (m[i] / biasCorrection1)) / (Math.sqrt(v[i] / biasCorrection2) + epsilon);
    }
  }

  dropoutMask(n: number, keepProb: number, rngState: Uint32Array, out: FloatArray): void {
    const rng = Rng.over(rngState);
    const scale = 1 / keepProb;
    for (let i = 0; i < n; i++) out[i] = rng.uniform() < keepProb ? scale : 0;
  }

  gatherRows(src: FloatArray, features: number, indices: ArrayLike<number>, start: number, rows: number,
    out: FloatArray): void {
    for (let r = 0; r < rows; r++) {
      const i = indices[start + r];
      out.set(src.subarray(i * features, (i + 1) * features), r * features);
    }
  }

  allocCodes(length: number): Uint8Array {
    return new Uint8Array(length);
  }

  readsInPlace(): boolean {
    return true;
  }

  gatherCoded(codes: Uint8Array, features: number, table: FloatArray, indices: ArrayLike<number>, start: number,
    rows: number, out: FloatArray): void {
    for (let r = 0; r < rows; r++) {
      const s = indices[start + r] * features;
      const o = r * features;
      for (let j = 0; j < features; j++) out[o + j] = table[j * 256 + codes[s + j]];
    }
  }

  dispose(): void {
    // Nothing to release: arrays are garbage-collected.
  }
}

/**
 * Neumaier's compensated summation: the rounding error of each addition is carried along, so the
 * sum is accurate to ~1 ulp whatever n. The float64 gradient check divides cost differences by
 * 2ε = 2e-7, which magnifies every rounding error in the cost ten-million-fold.
 */
export class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(x: number): void {
    const t = this.sum + x;
    this.compensation += Math.abs(this.sum) >= Math.abs(x) ? (this.sum - t) + x : (x - t) + this.sum;
    this.sum = t;
  }

  value(): number {
    return this.sum + this.compensation;
  }
}

/** Overflow-free logistic: for z < 0 use e^z/(1+e^z) so e^−z never overflows. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
