import type { Rng } from '../util/rng';

export interface AugmentSpec {
  /** Std of N(0, jitter²) noise added to every value (2-D and tabular data; images too if set). */
  jitter?: number;
  /** Images: integer shift drawn from [−shift, shift] per axis, zero fill. */
  shift?: number;
  /** Images: rotation angle drawn from U(−rotate, rotate) degrees, about the image centre. */
  rotate?: number;
}

/**
 * Augments a training batch in place (rows × features, row-major). Each image gets one fresh
 * shift and angle, applied in a single bilinear resampling (one blur instead of two). A spec of
 * zeros leaves x untouched and draws nothing from rng. Cost O(rows·features).
 */
export function augmentBatch(
  x: Float32Array | Float64Array,
  rows: number,
  features: number,
  spec: AugmentSpec,
  rng: Rng,
  imageShape?: readonly [number, number],
): void {
  const jitter = spec.jitter ?? 0;
  const shift = Math.floor(spec.shift ?? 0);
  const rotate = spec.rotate ?? 0;
  if (x.length < rows * features) throw new RangeError(`augmentBatch: x holds ${x.length} values, not ${rows}×${features}`);
  if (imageShape && (shift > 0 || rotate !== 0)) {
    const [h, w] = imageShape;
    if (h * w !== features) throw new RangeError(`augmentBatch: image shape ${h}×${w} does not match ${features} features`);
    const src = new Float64Array(features);
    for (let r = 0; r < rows; r++) {
      const image = x.subarray(r * features, (r + 1) * features);
      const dx = shift > 0 ? rng.int(2 * shift + 1) - shift : 0;
      const dy = shift > 0 ? rng.int(2 * shift + 1) - shift : 0;
      const degrees = rotate !== 0 ? rng.range(-rotate, rotate) : 0;
      if (dx === 0 && dy === 0 && degrees === 0) continue;
      src.set(image);
      transformImage(src, image, h, w, dx, dy, (degrees * Math.PI) / 180);
    }
  }
  if (jitter > 0) for (let i = 0; i < rows * features; i++) x[i] += jitter * rng.normal();
}

/**
 * dst = src rotated by `radians` about the centre ((w−1)/2, (h−1)/2), then moved dx columns right
 * and dy rows down. Each output pixel is sampled at the inverse-mapped point bilinearly; samples
 * outside the image read 0. Positive angles turn the picture counter-clockwise as displayed
 * (rows grow downwards). With angle 0 and integer shifts the result is an exact copy-shift.
 */
export function transformImage(
  src: ArrayLike<number>,
  dst: Float32Array | Float64Array,
  h: number,
  w: number,
  dx: number,
  dy: number,
  radians: number,
): void {
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      // Undo the shift, then the rotation. In (x right, y up) terms a CCW turn by θ maps
      // (u, v) → (u cosθ − v sinθ, u sinθ + v cosθ); with y = −row that is the inverse below.
      const u = c - dx - cx;
      const v = r - dy - cy;
      const sc = cx + cos * u - sin * v;
      const sr = cy + sin * u + cos * v;
      dst[r * w + c] = bilinear(src, h, w, sr, sc);
    }
  }
}

function bilinear(src: ArrayLike<number>, h: number, w: number, sr: number, sc: number): number {
  // Snap values within rounding of a grid point, so that 90° turns and integer shifts are exact.
  const rr = Math.abs(sr - Math.round(sr)) < 1e-9 ? Math.round(sr) : sr;
  const cc = Math.abs(sc - Math.round(sc)) < 1e-9 ? Math.round(sc) : sc;
  const r0 = Math.floor(rr);
  const c0 = Math.floor(cc);
  const fr = rr - r0;
  const fc = cc - c0;
  const at = (r: number, c: number): number => (r >= 0 && r < h && c >= 0 && c < w ? src[r * w + c] : 0);
  let value = (1 - fr) * (1 - fc) * at(r0, c0);
  if (fc > 0) value += (1 - fr) * fc * at(r0, c0 + 1);
  if (fr > 0) value += fr * (1 - fc) * at(r0 + 1, c0);
  if (fr > 0 && fc > 0) value += fr * fc * at(r0 + 1, c0 + 1);
  return value;
}
