/**
 * The kernel seam. Layers, losses and optimizers do their O(n) and O(n³) work only through this
 * interface, so a faster backend (WebAssembly SIMD) slots in without touching them.
 *
 * Conventions shared by every kernel:
 * - Matrices are row-major and contiguous. A batch is `rows = samples`, `cols = features`.
 * - Arrays passed in must come from this backend's `alloc` (or be `subarray` views of such arrays):
 *   a WASM backend maps them to pointers into its linear memory.
 * - `out` may alias an input only where a kernel says so.
 * - Every kernel is deterministic: the same inputs give the same bits on the same backend.
 */
export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

export type ActivationKind = 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid' | 'linear';

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 − β1^t and 1 − β2^t for the bias correction at step t (t ≥ 1). */
  biasCorrection1: number;
  biasCorrection2: number;
}

export interface Backend {
  /** 'ts' (plain TypeScript) or 'wasm-simd'. */
  readonly name: string;
  readonly dtype: DType;
  /** Threads the heavy kernels use (1 for the TypeScript backend). */
  readonly threads: number;

  /** A zero-filled array of `length` elements owned by this backend. */
  alloc(length: number): FloatArray;

  /** A zero-filled byte array owned by this backend: a coded data set's codes (see gatherCoded). */
  allocCodes(length: number): Uint8Array;

  /** Whether gatherCoded can read `codes` where they are (else they must be copied into allocCodes memory). */
  readsInPlace(codes: Uint8Array): boolean;

  /**
   * C = op(A)·op(B) + beta·C, with op(A) m×k and op(B) k×n, C m×n.
   * transA: A is stored k×m; transB: B is stored n×k. The three forms backprop uses:
   *   Z = X·W (false,false), dW = Xᵀ·dZ (true,false), dX = dZ·Wᵀ (false,true).
   * beta is 0 (overwrite C) or 1 (accumulate into C).
   */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: FloatArray, b: FloatArray, beta: 0 | 1, c: FloatArray): void;

  /** out[i,j] = x[i,j] + bias[j] for a rows×cols matrix. out may alias x. */
  addRowVector(rows: number, cols: number, x: FloatArray, bias: FloatArray, out: FloatArray): void;

  /** out[j] = Σ_i x[i,j] (column sums of a rows×cols matrix; the bias gradient). */
  sumRows(rows: number, cols: number, x: FloatArray, out: FloatArray): void;

  /** a = g(z) elementwise over n entries. a may alias z. `alpha` is the leaky-ReLU slope. */
  activationForward(kind: ActivationKind, n: number, z: FloatArray, a: FloatArray, alpha: number): void;

  /**
   * dZ = dA ⊙ g'(z) over n entries, with g' written in whichever of z (relu, leakyRelu) or
   * a = g(z) (tanh: 1−a², sigmoid: a(1−a)) is cheaper. dZ may alias dA.
   */
  activationBackward(kind: ActivationKind, n: number, z: FloatArray, a: FloatArray, dA: FloatArray,
    dZ: FloatArray, alpha: number): void;

  /** out = x ⊙ y elementwise over n entries. out may alias x or y. */
  mul(n: number, x: FloatArray, y: FloatArray, out: FloatArray): void;

  /** y += alpha·x over n entries (L2 gradient, plain gradient descent). */
  axpy(n: number, alpha: number, x: FloatArray, y: FloatArray): void;

  /** y += alpha·sign(x) over n entries, sign(0) = 0 (L1 gradient). */
  axpySign(n: number, alpha: number, x: FloatArray, y: FloatArray): void;

  /** Σ x² over n entries, accumulated in float64. */
  sumSquares(n: number, x: FloatArray): number;

  /**
   * For a fixed list of this backend's arrays: a function giving Σ x² of each (whole array), as
   * sumSquares computes it, into the same Float64Array every call. Set up once (the network's
   * weights or gradients); each call is one kernel call on WebAssembly.
   */
  sumSquaresOf(arrays: readonly FloatArray[]): () => Float64Array;

  /** Σ |x| over n entries, accumulated in float64. */
  sumAbs(n: number, x: FloatArray): number;

  /**
   * Batch-norm forward in training mode over a rows×cols batch, per column j:
   *   μ_j = mean_i z, σ²_j = mean_i (z−μ)² (biased, as the paper), invStd_j = 1/√(σ²_j+ε),
   *   zHat = (z−μ)·invStd, out = γ·zHat + β.
   * Writes mean, variance, invStd (length cols), zHat and out (rows×cols).
   */
  batchNormTrainForward(rows: number, cols: number, z: FloatArray, gamma: FloatArray, beta: FloatArray,
    epsilon: number, mean: FloatArray, variance: FloatArray, invStd: FloatArray, zHat: FloatArray,
    out: FloatArray): void;

  /**
   * Batch-norm backward (training mode), per column j with m = rows:
   *   dβ = Σ dOut, dγ = Σ dOut·zHat,
   *   dz = (γ·invStd/m)·(m·dOut − dβ − zHat·dγ).
   */
  batchNormBackward(rows: number, cols: number, dOut: FloatArray, zHat: FloatArray, gamma: FloatArray,
    invStd: FloatArray, dGamma: FloatArray, dBeta: FloatArray, dz: FloatArray): void;

  /** Inference-mode normalisation with running statistics: out = γ(z−μ)/√(σ²+ε) + β. */
  batchNormInferForward(rows: number, cols: number, z: FloatArray, gamma: FloatArray, beta: FloatArray,
    runningMean: FloatArray, runningVar: FloatArray, epsilon: number, out: FloatArray): void;

  /** v = β·v + (1−β)·g; w −= lr·v. */
  momentumUpdate(n: number, w: FloatArray, g: FloatArray, v: FloatArray, lr: number, beta: number): void;

  /** s = β2·s + (1−β2)·g²; w −= lr·g/(√s + ε). */
  rmspropUpdate(n: number, w: FloatArray, g: FloatArray, s: FloatArray, lr: number, beta2: number,
    epsilon: number): void;

  /**
   * m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
   * w −= lr·(m/bc1)/(√(v/bc2) + ε).
   */
  adamUpdate(n: number, w: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, hyper: AdamHyper): void;

  /**
   * Inverted-dropout mask: out[i] = 1/keepProb with probability keepProb, else 0, drawing one
   * xoshiro128** number per entry from `rngState` (the live state words of an engine Rng, which
   * advance exactly as n calls of Rng.uniform() would: same bits on every backend).
   */
  dropoutMask(n: number, keepProb: number, rngState: Uint32Array, out: FloatArray): void;

  /**
   * Mini-batch gather: out row r = src row indices[start + r], for rows × features. `src` is a
   * data set kept in this backend's memory (alloc(count·features), filled once).
   */
  gatherRows(src: FloatArray, features: number, indices: ArrayLike<number>, start: number, rows: number,
    out: FloatArray): void;

  /**
   * Mini-batch gather of coded rows: out[r·features + j] = table[j·256 + codes[i·features + j]] with
   * i = indices[start + r]; codes from allocCodes(count·features), table alloc(256·features) holding
   * each feature's 256 values in this backend's dtype. Exact: a table lookup, no arithmetic.
   */
  gatherCoded(codes: Uint8Array, features: number, table: FloatArray, indices: ArrayLike<number>, start: number,
    rows: number, out: FloatArray): void;

  /**
   * Optional: a dense layer's forward in one call — Z = X·W (X rows×inF, W inF×outF), Z += bias
   * when given, then A = g(Z) when `activation` is given — with the bits of gemm(false, false, …),
   * addRowVector and activationForward called in turn. Returns false, having written nothing,
   * where this backend would not do it in one call (the caller then makes those calls).
   */
  denseForward?(rows: number, inF: number, outF: number, x: FloatArray, w: FloatArray, bias: FloatArray | null,
    z: FloatArray, activation: ActivationKind | null, a: FloatArray | null, alpha: number): boolean;

  /**
   * Optional: the sigmoid-BCE sum of Loss.forward (model/losses.ts sigmoidBce) over n logits, with
   * the JavaScript loop's very bits — Σ max(z,0) − z·y + log1p(e^−|z|) as a CompensatedSum, and
   * when dz is given dz[i] = (σ(z_i) − y_i)·invM. A backend without it gets that loop.
   */
  sigmoidBce?(n: number, z: FloatArray, y: Float64Array, dz: FloatArray | null, invM: number): number;

  /** Releases worker threads and memory. The backend is unusable afterwards. */
  dispose(): void;
}
