// f32 GEMM, C = op(A)·op(B) + beta·C, row-major, GotoBLAS structure:
//   for jc (NC columns) → for pc (one k block) → pack B block → for ic (MC rows) → pack A block
//   → for jr (NR) → for ir (MR) → 5×8 (6×8 with relaxed SIMD) register-blocked micro-kernel.
// The micro-kernel keeps 10 f32x4 accumulators (5 rows × 8 columns) plus 2 B vectors, 1 broadcast A
// value and 1 product temp in registers: 14 of the 15 xmm registers V8 allocates (xmm15 is its
// scratch). V8 has no FMA for wasm (relaxed-simd is behind a flag in Node 20), so each update is
// mul + add, and each loop iteration also pays a stack-guard check, pointer bumps and address
// arithmetic: 20 FP ops amortise that better than 4×8's 16. Measured with each candidate as its own
// (not inlined) function, CPU time, interleaved, Zen 5 / V8 11.3: 5×8 43, 3×12 42, 2×16 41, 4×8 37,
// 4×8 unrolled ×2 31, and 6×8, 4×12, 3×16 (≥ 16 registers: spills) 29 GFLOP/s.
// The relaxed-SIMD build (dist/kernels-fma.wasm) uses f32x4.relaxed_madd, a fused multiply-add on
// x64 with FMA3: no product temp, so 6×8 fits (12 accumulators + 2 B + 1 broadcast) and the loop
// has 12 FP ops per 96 flops. Same measurement: 6×8 57, 5×8 54, 3×12 53, 4×8 50 GFLOP/s. Zen 5's
// peak is unchanged (2 FMA pipes vs 2 mul + 2 add pipes); the gain is fewer instructions to issue.
//
// Determinism: every element of C is one f32 accumulator summed over p in increasing order within a
// k block, the k blocks depend only on k, and a block's sum is added to C in block order. Which
// thread computes a tile, and where the tile's edge lies, changes nothing: the result is the same
// bits for any thread count and any partition of the i/j ranges.

import { MR, NR, MC, NC, KC_MAX } from './layout';

@inline function off(i: i32): usize {
  return <usize>i << 2;
}

/** Splits k into equal blocks of at most KC_MAX (784 → 4×196, not 3×256 + 16). */
export function kBlock(k: i32): i32 {
  const nb = (k + KC_MAX - 1) / KC_MAX;
  return (k + nb - 1) / nb;
}

// One thread's scratch (workFloats() floats, layout.ts): packed A block, packed B block, edge tile.
@inline function workPackedB(work: usize): usize {
  return work + off(MC * KC_MAX);
}

@inline function workTile(work: usize): usize {
  return work + off(MC * KC_MAX + KC_MAX * NC);
}

// ---------------------------------------------------------------------------------------------
// Micro-kernel: C[0:5, 0:8] (ldc floats per row) = A panel (kc×5, p-major) · B panel (kc×8),
// plus the old C when acc ≠ 0. Not inlined: a separate function gets its own register allocation.
// The store tails stay written out, acc tested once: folding them into an @inline per-row helper
// (acc tested per row) halved the kernel's rate under V8 (41 → 22 GFLOP/s, 52 → 25 with FMA).
// ---------------------------------------------------------------------------------------------
function micro5x8(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, acc: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 16);
    c40 = f32x4.add(c40, f32x4.mul(a, b0));
    c41 = f32x4.add(c41, f32x4.mul(a, b1));
    ap += 20;
    bp += 32;
  }
  const ld = off(ldc);
  if (acc) {
    v128.store(c, f32x4.add(v128.load(c), c00));
    v128.store(c, f32x4.add(v128.load(c, 16), c01), 16);
    c += ld;
    v128.store(c, f32x4.add(v128.load(c), c10));
    v128.store(c, f32x4.add(v128.load(c, 16), c11), 16);
    c += ld;
    v128.store(c, f32x4.add(v128.load(c), c20));
    v128.store(c, f32x4.add(v128.load(c, 16), c21), 16);
    c += ld;
    v128.store(c, f32x4.add(v128.load(c), c30));
    v128.store(c, f32x4.add(v128.load(c, 16), c31), 16);
    c += ld;
    v128.store(c, f32x4.add(v128.load(c), c40));
    v128.store(c, f32x4.add(v128.load(c, 16), c41), 16);
  } else {
    v128.store(c, c00);
    v128.store(c, c01, 16);
    c += ld;
    v128.store(c, c10);
    v128.store(c, c11, 16);
    c += ld;
    v128.store(c, c20);
    v128.store(c, c21, 16);
    c += ld;
    v128.store(c, c30);
    v128.store(c, c31, 16);
    c += ld;
    v128.store(c, c40);
    v128.store(c, c41, 16);
  }
}

function micro6x8fma(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, acc: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.relaxed_madd(a, b0, c00);
    c01 = f32x4.relaxed_madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.relaxed_madd(a, b0, c10);
    c11 = f32x4.relaxed_madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.relaxed_madd(a, b0, c20);
    c21 = f32x4.relaxed_madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.relaxed_madd(a, b0, c30);
    c31 = f32x4.relaxed_madd(a, b1, c31);
    a = v128.load32_splat(ap, 16);
    c40 = f32x4.relaxed_madd(a, b0, c40);
    c41 = f32x4.relaxed_madd(a, b1, c41);
    a = v128.load32_splat(ap, 20);
    c50 = f32x4.relaxed_madd(a, b0, c50);
    c51 = f32x4.relaxed_madd(a, b1, c51);
    ap += 24;
    bp += 32;
  }
  const ld = off(ldc);
  if (acc) {
    v128.store(c, f32x4.add(v128.load(c), c00));
    v128.store(c, f32x4.add(v128.load(c, 16), c01), 16);
    c += ld;
    v128.store(c, f32x4.add(v128.load(c), c10));
    v128.store(c, f32x4.add(v128.load(c, 16), c11), 16);
    c += ld;
    v128.store(c, f32x4.add(v128.load(c), c20));
    v128.store(c, f32x4.add(v128.load(c, 16), c21), 16);
    c += ld;
    v128.store(c, f32x4.add(v128.load(c), c30));
    v128.store(c, f32x4.add(v128.load(c, 16), c31), 16);
    c += ld;
    v128.store(c, f32x4.add(v128.load(c), c40));
    v128.store(c, f32x4.add(v128.load(c, 16), c41), 16);
    c += ld;
    v128.store(c, f32x4.add(v128.load(c), c50));
    v128.store(c, f32x4.add(v128.load(c, 16), c51), 16);
  } else {
    v128.store(c, c00);
    v128.store(c, c01, 16);
    c += ld;
    v128.store(c, c10);
    v128.store(c, c11, 16);
    c += ld;
    v128.store(c, c20);
    v128.store(c, c21, 16);
    c += ld;
    v128.store(c, c30);
    v128.store(c, c31, 16);
    c += ld;
    v128.store(c, c40);
    v128.store(c, c41, 16);
    c += ld;
    v128.store(c, c50);
    v128.store(c, c51, 16);
  }
}

/** The build's micro-kernel (a compile-time choice: the other one is not emitted). */
@inline function micro(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, acc: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) micro6x8fma(kc, ap, bp, c, ldc, acc);
  else micro5x8(kc, ap, bp, c, ldc, acc);
}

// 4×4 transpose: rows r0..r3 → columns, stored at dst, dst+stride, dst+2·stride, dst+3·stride.
@inline function transpose4Store(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(dst + stride, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

// ---------------------------------------------------------------------------------------------
// Packing. A block rows [i0, i0+mc) × k [p0, p0+kc) → panels of MR rows, each kc×MR p-major,
// zero-padded to a multiple of MR rows. A(i,p) lives at a + 4·(i·ars + p·acs).
// ---------------------------------------------------------------------------------------------
function packA(a: usize, transA: i32, m: i32, k: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const i = i0 + ir;
    const panel = dst + off(ir * kc);
    if (rows == MR) {
      if (transA) {
        // A stored k×m: the MR values for one p are contiguous: one v128, then 1 (or 2) floats.
        let src = a + off(p0 * m + i);
        const step = off(m);
        let d = panel;
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(src));
          if (MR == 6) store<u64>(d, load<u64>(src, 16), 16);
          else store<f32>(d, load<f32>(src, 16), 16);
          src += step;
          d += MR * 4;
        }
      } else {
        // A stored m×k: each row is contiguous in p. Rows 0–3 by 4×4 transposes, the rest by lanes.
        const r0 = a + off(i * k + p0);
        const rs = off(k);
        const ps = <usize>(MR * 4);
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const s = r0 + off(p);
          const d = panel + off(p * MR);
          transpose4Store(v128.load(s), v128.load(s + rs), v128.load(s + 2 * rs), v128.load(s + 3 * rs), d, ps);
          const r4 = v128.load(s + 4 * rs);
          if (MR == 6) {
            // Interleave rows 4 and 5: (r4[q], r5[q]) pairs land at offset 16 of each p's group.
            const r5 = v128.load(s + 5 * rs);
            const lo = i32x4.shuffle(r4, r5, 0, 4, 1, 5);
            const hi = i32x4.shuffle(r4, r5, 2, 6, 3, 7);
            store<u64>(d, i64x2.extract_lane(lo, 0), 16);
            store<u64>(d + ps, i64x2.extract_lane(lo, 1), 16);
            store<u64>(d + 2 * ps, i64x2.extract_lane(hi, 0), 16);
            store<u64>(d + 3 * ps, i64x2.extract_lane(hi, 1), 16);
          } else {
            store<f32>(d, f32x4.extract_lane(r4, 0), 16);
            store<f32>(d + ps, f32x4.extract_lane(r4, 1), 16);
            store<f32>(d + 2 * ps, f32x4.extract_lane(r4, 2), 16);
            store<f32>(d + 3 * ps, f32x4.extract_lane(r4, 3), 16);
          }
        }
        for (; p < kc; p++) {
          const s = r0 + off(p);
          const d = panel + off(p * MR);
          for (let r = 0; r < MR; r++) store<f32>(d + off(r), load<f32>(s + <usize>r * rs));
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const d = panel + off(p * MR);
        for (let r = 0; r < MR; r++) {
          let v: f32 = 0;
          if (r < rows) {
            v = transA ? load<f32>(a + off((p0 + p) * m + i + r)) : load<f32>(a + off((i + r) * k + p0 + p));
          }
          store<f32>(d + off(r), v);
        }
      }
    }
  }
}

// B block k [p0, p0+kc) × columns [j0, j0+nc) → panels of NR columns, each kc×NR p-major,
// zero-padded. B(p,j) lives at b + 4·(p·n + j), or b + 4·(j·k + p) when transB.
function packB(b: usize, transB: i32, n: i32, k: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const j = j0 + jr;
    const panel = dst + off(jr * kc);
    if (cols == NR) {
      if (!transB) {
        let src = b + off(p0 * n + j);
        const step = off(n);
        let d = panel;
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
          src += step;
          d += 32;
        }
      } else {
        // B stored n×k: column j of op(B) is row j of B, contiguous in p; transpose two 4×4 tiles.
        const r0 = b + off(j * k + p0);
        const rs = off(k);
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const s = r0 + off(p);
          const d = panel + off(p * NR);
          transpose4Store(v128.load(s), v128.load(s + rs), v128.load(s + 2 * rs), v128.load(s + 3 * rs), d, 32);
          const s4 = s + 4 * rs;
          transpose4Store(v128.load(s4), v128.load(s4 + rs), v128.load(s4 + 2 * rs), v128.load(s4 + 3 * rs),
            d + 16, 32);
        }
        for (; p < kc; p++) {
          const s = r0 + off(p);
          const d = panel + off(p * NR);
          for (let c = 0; c < NR; c++) store<f32>(d + off(c), load<f32>(s + <usize>c * rs));
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const d = panel + off(p * NR);
        for (let c = 0; c < NR; c++) {
          let v: f32 = 0;
          if (c < cols) {
            v = transB ? load<f32>(b + off((j + c) * k + p0 + p)) : load<f32>(b + off((p0 + p) * n + j + c));
          }
          store<f32>(d + off(c), v);
        }
      }
    }
  }
}

/**
 * C[ic:ic+mc, jc:jc+nc] (+)= packed A rows (panels of MR, kc each) · packed B columns (panels of NR).
 * The B micro-panel (kc×NR ≤ 8 KiB) stays in L1 across the mc/MR micro-kernel calls of one jr.
 */
function macroTile(kc: i32, ap: usize, bp: usize, mc: i32, nc: i32, c: usize, n: i32, acc: i32, tile: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const b = bp + off(jr * kc);
    for (let ir = 0; ir < mc; ir += MR) {
      const rows = min(MR, mc - ir);
      const a = ap + off(ir * kc);
      const cp = c + off(ir * n + jr);
      if (rows == MR && cols == NR) {
        micro(kc, a, b, cp, n, acc);
      } else {
        // Edge tile: compute the full MR×8 into scratch, then add or copy the valid part.
        micro(kc, a, b, tile, NR, 0);
        for (let r = 0; r < rows; r++) {
          const crow = cp + off(r * n);
          const trow = tile + off(r * NR);
          for (let q = 0; q < cols; q++) {
            const t = load<f32>(trow + off(q));
            store<f32>(crow + off(q), acc ? load<f32>(crow + off(q)) + t : t);
          }
        }
      }
    }
  }
}

@inline function roundUp(x: i32, m: i32): i32 {
  return ((x + m - 1) / m) * m;
}

/** k = 0: C = beta·C over rows [i0, i1) × columns [j0, j1). */
function scaleEmpty(n: i32, beta: i32, c: usize, i0: i32, i1: i32, j0: i32, j1: i32): void {
  if (!beta) for (let i = i0; i < i1; i++) memory.fill(c + off(i * n + j0), 0, off(j1 - j0));
}

/**
 * One thread computing C[i0:i1, j0:j1] alone: packs its own A and B blocks.
 * work: this thread's scratch, workFloats() floats (see layout.ts).
 */
export function gemmPacked(transA: i32, transB: i32, m: i32, n: i32, k: i32, a: usize, b: usize, beta: i32,
  c: usize, i0: i32, i1: i32, j0: i32, j1: i32, work: usize): void {
  if (i1 <= i0 || j1 <= j0) return;
  if (k == 0) {
    scaleEmpty(n, beta, c, i0, i1, j0, j1);
    return;
  }
  const packedA = work;
  const packedB = workPackedB(work);
  const tile = workTile(work);
  const kb = kBlock(k);
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = 0; pc < k; pc += kb) {
      const kc = min(kb, k - pc);
      const acc = pc > 0 || beta != 0 ? 1 : 0;
      packB(b, transB, n, k, pc, kc, jc, nc, packedB);
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        packA(a, transA, m, k, ic, mc, pc, kc, packedA);
        macroTile(kc, packedA, packedB, mc, nc, c + off(ic * n + jc), n, acc, tile);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Threaded path. One operand is packed whole, once, into shared memory; threads then claim chunks
// of the other dimension and pack only their own part of the other operand. Splitting columns
// shares packed A (m·k floats) and splitting rows shares packed B (k·n): the host picks the smaller.
// Whole-operand layout: k block by k block (block at pc starts at pc·mPad floats), each block the
// MR-row (or NR-column) panels of packA/packB.
// ---------------------------------------------------------------------------------------------

/** Floats the whole-operand packing of an m×k A (n×k B with unit NR) takes: padded rows × k. */
export function packedFloats(rowsOrCols: i32, k: i32, unit: i32): i32 {
  return roundUp(rowsOrCols, unit) * k;
}

/** Rows [r0, r1) (r0 a multiple of MR) of the whole-A packing: packing is split across threads too. */
export function packARows(transA: i32, m: i32, k: i32, a: usize, dst: usize, r0: i32, r1: i32): void {
  const kb = kBlock(k);
  const mPad = roundUp(m, MR);
  for (let pc = 0; pc < k; pc += kb) {
    const kc = min(kb, k - pc);
    packA(a, transA, m, k, r0, r1 - r0, pc, kc, dst + off(pc * mPad + r0 * kc));
  }
}

/** Columns [c0, c1) (c0 a multiple of NR) of the whole-B packing. */
export function packBCols(transB: i32, n: i32, k: i32, b: usize, dst: usize, c0: i32, c1: i32): void {
  const kb = kBlock(k);
  const nPad = roundUp(n, NR);
  for (let pc = 0; pc < k; pc += kb) {
    const kc = min(kb, k - pc);
    packB(b, transB, n, k, pc, kc, c0, c1 - c0, dst + off(pc * nPad + c0 * kc));
  }
}

/** Columns [j0, j1) of C with A already packed whole at pa (packARows over all rows). */
export function gemmColumns(transB: i32, m: i32, n: i32, k: i32, pa: usize, b: usize, beta: i32, c: usize,
  j0: i32, j1: i32, work: usize): void {
  if (j1 <= j0) return;
  if (k == 0) {
    scaleEmpty(n, beta, c, 0, m, j0, j1);
    return;
  }
  const packedB = workPackedB(work);
  const tile = workTile(work);
  const kb = kBlock(k);
  const mPad = roundUp(m, MR);
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = 0; pc < k; pc += kb) {
      const kc = min(kb, k - pc);
      const acc = pc > 0 || beta != 0 ? 1 : 0;
      packB(b, transB, n, k, pc, kc, jc, nc, packedB);
      const block = pa + off(pc * mPad);
      for (let ic = 0; ic < m; ic += MC) {
        macroTile(kc, block + off(ic * kc), packedB, min(MC, m - ic), nc, c + off(ic * n + jc), n, acc, tile);
      }
    }
  }
}

/** Rows [i0, i1) of C with B already packed whole at pb (packBCols over all columns). */
export function gemmRows(transA: i32, m: i32, n: i32, k: i32, a: usize, pb: usize, beta: i32, c: usize,
  i0: i32, i1: i32, work: usize): void {
  if (i1 <= i0) return;
  if (k == 0) {
    scaleEmpty(n, beta, c, i0, i1, 0, n);
    return;
  }
  const packedA = work;
  const tile = workTile(work);
  const kb = kBlock(k);
  const nPad = roundUp(n, NR);
  for (let pc = 0; pc < k; pc += kb) {
    const kc = min(kb, k - pc);
    const acc = pc > 0 || beta != 0 ? 1 : 0;
    const block = pb + off(pc * nPad);
    for (let ic = i0; ic < i1; ic += MC) {
      const mc = min(MC, i1 - ic);
      packA(a, transA, m, k, ic, mc, pc, kc, packedA);
      // NC columns at a time: the packed A block stays in L2 while B panels stream past it.
      for (let jc = 0; jc < n; jc += NC) {
        macroTile(kc, packedA, block + off(jc * kc), mc, min(NC, n - jc), c + off(ic * n + jc), n, acc, tile);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Direct path for small products (per-op overhead matters more than peak rate there): no packing,
// one pass over C. Same result for any thread count (only ever run whole, on one thread).
// ---------------------------------------------------------------------------------------------
/** The lanes of `s` into one column of four consecutive rows (`cstep` bytes apart), added to C when `beta`. */
@inline function storeRows4(cp: usize, cstep: usize, s: v128, beta: i32): void {
  if (beta) {
    store<f32>(cp, load<f32>(cp) + f32x4.extract_lane(s, 0));
    store<f32>(cp + cstep, load<f32>(cp + cstep) + f32x4.extract_lane(s, 1));
    store<f32>(cp + 2 * cstep, load<f32>(cp + 2 * cstep) + f32x4.extract_lane(s, 2));
    store<f32>(cp + 3 * cstep, load<f32>(cp + 3 * cstep) + f32x4.extract_lane(s, 3));
  } else {
    store<f32>(cp, f32x4.extract_lane(s, 0));
    store<f32>(cp + cstep, f32x4.extract_lane(s, 1));
    store<f32>(cp + 2 * cstep, f32x4.extract_lane(s, 2));
    store<f32>(cp + 3 * cstep, f32x4.extract_lane(s, 3));
  }
}

export function gemmSmall(transA: i32, transB: i32, m: i32, n: i32, k: i32, a: usize, b: usize, beta: i32,
  c: usize): void {
  // A(i,p) at a + 4·(i·ars + p·acs).
  const ars = transA ? 1 : k;
  const acs = transA ? m : 1;
  if (!transB) {
    // C[i, j:j+w] = Σ_p A(i,p)·B[p, j:j+w]: B rows are contiguous, vectorise over j.
    const bstep = off(n);
    const astep = off(acs);
    for (let i = 0; i < m; i++) {
      const arow = a + off(i * ars);
      const crow = c + off(i * n);
      let j = 0;
      for (; j + 16 <= n; j += 16) {
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        let ap = arow;
        let bp = b + off(j);
        for (let p = 0; p < k; p++) {
          const av = v128.load32_splat(ap);
          s0 = f32x4.add(s0, f32x4.mul(av, v128.load(bp)));
          s1 = f32x4.add(s1, f32x4.mul(av, v128.load(bp, 16)));
          s2 = f32x4.add(s2, f32x4.mul(av, v128.load(bp, 32)));
          s3 = f32x4.add(s3, f32x4.mul(av, v128.load(bp, 48)));
          ap += astep;
          bp += bstep;
        }
        const cp = crow + off(j);
        if (beta) {
          s0 = f32x4.add(v128.load(cp), s0);
          s1 = f32x4.add(v128.load(cp, 16), s1);
          s2 = f32x4.add(v128.load(cp, 32), s2);
          s3 = f32x4.add(v128.load(cp, 48), s3);
        }
        v128.store(cp, s0);
        v128.store(cp, s1, 16);
        v128.store(cp, s2, 32);
        v128.store(cp, s3, 48);
      }
      for (; j + 4 <= n; j += 4) {
        let s0 = f32x4.splat(0);
        let ap = arow;
        let bp = b + off(j);
        for (let p = 0; p < k; p++) {
          s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(ap), v128.load(bp)));
          ap += astep;
          bp += bstep;
        }
        const cp = crow + off(j);
        if (beta) s0 = f32x4.add(v128.load(cp), s0);
        v128.store(cp, s0);
      }
      // The last n mod 4 columns: below, four rows at a time (all but the last m mod 4 rows).
      if (i < (m & ~3)) continue;
      for (; j < n; j++) {
        let s: f32 = 0;
        let ap = arow;
        let bp = b + off(j);
        for (let p = 0; p < k; p++) {
          s += load<f32>(ap) * load<f32>(bp);
          ap += astep;
          bp += bstep;
        }
        const cp = crow + off(j);
        store<f32>(cp, beta ? load<f32>(cp) + s : s);
      }
    }
    // Those columns for rows i..i+3 in the lanes of one vector (narrow outputs: a 20→3 or 3→1
    // layer is all tail). Each lane adds A(i,p)·B(p,j) for p = 0, 1, … in turn, as the scalar loop
    // does, so every element gets the very same bits. The four A(i..i+3, p) are gathered once per p
    // for all (up to 3) tail columns, not once per column.
    const nv = n & ~3;
    const tail = n - nv;
    if (tail > 0) {
      const rstep = off(ars);
      for (let i = 0; i < (m & ~3); i += 4) {
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0);
        let ap = a + off(i * ars);
        let bp = b + off(nv);
        let p = 0;
        if (ars == 1) {
          // A stored transposed (dW = Xᵀ·dZ): the four rows' A(i..i+3, p) are adjacent, one load.
          for (; p < k; p++) {
            const av = v128.load(ap);
            s0 = f32x4.add(s0, f32x4.mul(av, v128.load32_splat(bp)));
            if (tail > 1) s1 = f32x4.add(s1, f32x4.mul(av, v128.load32_splat(bp, 4)));
            if (tail > 2) s2 = f32x4.add(s2, f32x4.mul(av, v128.load32_splat(bp, 8)));
            ap += astep;
            bp += bstep;
          }
        } else {
          // Row-major A: four p at a time, the 4×4 block of A(i..i+3, p..p+3) loaded by rows and
          // transposed in registers, then the same adds in the same order (p, p+1, p+2, p+3).
          for (; p + 4 <= k; p += 4) {
            const r0 = v128.load(ap);
            const r1 = v128.load(ap + rstep);
            const r2 = v128.load(ap + 2 * rstep);
            const r3 = v128.load(ap + 3 * rstep);
            const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
            const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
            const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
            const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
            let av = i32x4.shuffle(t0, t1, 0, 1, 4, 5);
            s0 = f32x4.add(s0, f32x4.mul(av, v128.load32_splat(bp)));
            if (tail > 1) s1 = f32x4.add(s1, f32x4.mul(av, v128.load32_splat(bp, 4)));
            if (tail > 2) s2 = f32x4.add(s2, f32x4.mul(av, v128.load32_splat(bp, 8)));
            bp += bstep;
            av = i32x4.shuffle(t0, t1, 2, 3, 6, 7);
            s0 = f32x4.add(s0, f32x4.mul(av, v128.load32_splat(bp)));
            if (tail > 1) s1 = f32x4.add(s1, f32x4.mul(av, v128.load32_splat(bp, 4)));
            if (tail > 2) s2 = f32x4.add(s2, f32x4.mul(av, v128.load32_splat(bp, 8)));
            bp += bstep;
            av = i32x4.shuffle(t2, t3, 0, 1, 4, 5);
            s0 = f32x4.add(s0, f32x4.mul(av, v128.load32_splat(bp)));
            if (tail > 1) s1 = f32x4.add(s1, f32x4.mul(av, v128.load32_splat(bp, 4)));
            if (tail > 2) s2 = f32x4.add(s2, f32x4.mul(av, v128.load32_splat(bp, 8)));
            bp += bstep;
            av = i32x4.shuffle(t2, t3, 2, 3, 6, 7);
            s0 = f32x4.add(s0, f32x4.mul(av, v128.load32_splat(bp)));
            if (tail > 1) s1 = f32x4.add(s1, f32x4.mul(av, v128.load32_splat(bp, 4)));
            if (tail > 2) s2 = f32x4.add(s2, f32x4.mul(av, v128.load32_splat(bp, 8)));
            bp += bstep;
            ap += 16;
          }
        }
        for (; p < k; p++) {
          let av = f32x4.splat(load<f32>(ap));
          av = f32x4.replace_lane(av, 1, load<f32>(ap + rstep));
          av = f32x4.replace_lane(av, 2, load<f32>(ap + 2 * rstep));
          av = f32x4.replace_lane(av, 3, load<f32>(ap + 3 * rstep));
          s0 = f32x4.add(s0, f32x4.mul(av, v128.load32_splat(bp)));
          if (tail > 1) s1 = f32x4.add(s1, f32x4.mul(av, v128.load32_splat(bp, 4)));
          if (tail > 2) s2 = f32x4.add(s2, f32x4.mul(av, v128.load32_splat(bp, 8)));
          ap += astep;
          bp += bstep;
        }
        const cp = c + off(i * n + nv);
        storeRows4(cp, off(n), s0, beta);
        if (tail > 1) storeRows4(cp + 4, off(n), s1, beta);
        if (tail > 2) storeRows4(cp + 8, off(n), s2, beta);
      }
    }
  } else if (!transA) {
    // C[i,j] = A[i,:]·B[j,:]: two contiguous rows, vectorise the dot product over p.
    for (let i = 0; i < m; i++) {
      const arow = a + off(i * k);
      for (let j = 0; j < n; j++) {
        const brow = b + off(j * k);
        let sv = f32x4.splat(0);
        let p = 0;
        for (; p + 4 <= k; p += 4) sv = f32x4.add(sv, f32x4.mul(v128.load(arow + off(p)), v128.load(brow + off(p))));
        let s: f32 = (f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1)) +
          (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
        for (; p < k; p++) s += load<f32>(arow + off(p)) * load<f32>(brow + off(p));
        const cp = c + off(i * n + j);
        store<f32>(cp, beta ? load<f32>(cp) + s : s);
      }
    }
  } else {
    // TT, rare: scalar.
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s: f32 = 0;
        for (let p = 0; p < k; p++) s += load<f32>(a + off(p * m + i)) * load<f32>(b + off(j * k + p));
        const cp = c + off(i * n + j);
        store<f32>(cp, beta ? load<f32>(cp) + s : s);
      }
    }
  }
}

/**
 * C = A·Bᵀ + beta·C for k < 4 (dX = dZ·Wᵀ of a layer with 1–3 outputs), B stored n×k: Bᵀ copied
 * to `work` (k×n), then gemmSmall's NN path. With k < 4 every path sums each element the same way,
 * s = 0, then s += A(i,p)·B(j,p) for p = 0, 1, … (the transB dot product has no 4-wide part below
 * k = 4, and the packed kernel's k block is all of k): so the same bits as gemmSmall's transB
 * path and as gemmPacked (plain SIMD build), at the NN path's speed.
 */
export function gemmSmallNTNarrowK(m: i32, n: i32, k: i32, a: usize, b: usize, beta: i32, c: usize, work: usize): void {
  for (let j = 0; j < n; j++) {
    for (let p = 0; p < k; p++) store<f32>(work + off(p * n + j), load<f32>(b + off(j * k + p)));
  }
  gemmSmall(0, 0, m, n, k, a, work, beta, c);
}

