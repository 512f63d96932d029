// Blocking constants of the packed GEMM, shared by the kernels and (through workFloats) the host.

/**
 * Micro-kernel tile: MR rows × 8 columns (two f32x4 per row). 5×8 with mul + add; 6×8 in the
 * relaxed-SIMD build, whose fused multiply-add needs no product temp (see gemm.ts).
 */
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
export const NR: i32 = 8;
/** Rows of A packed at once (a multiple of 5 and 6): MC×KC_MAX floats = 120 KiB, stays in the 1 MiB L2. */
export const MC: i32 = 120;
/** Columns of B packed at once: KC_MAX×NC floats = 1 MiB, streamed from L2/L3 once per MC rows. */
export const NC: i32 = 1024;
/** Largest k block: one B micro-panel, KC_MAX×NR floats = 8 KiB, stays in L1 across the MC rows. */
export const KC_MAX: i32 = 256;

/** Rows of the micro-kernel tile, for the host's partitioning. */
export function microRows(): i32 {
  return MR;
}

/** Floats of scratch one thread's gemmPacked needs: packed A block, packed B block, edge tile. */
export function workFloats(): i32 {
  return MC * KC_MAX + KC_MAX * NC + MR * NR;
}
