#!/usr/bin/env node
// Exhaustive check of assembly/loss.ts against V8 (run after changing it; a few minutes on one
// core): for every float32 bit pattern a ≥ 0 (NaN and ∞ included) as a logit z = a (targets
// alternating 1, 0) the row term max(z,0) − z·y + log1p(e^−|z|) and the gradient
// (σ(z) − y)·invM as float32, through the kernel's two-row path (pairs of adjacent patterns) and
// its scalar fallback, must equal the JavaScript loop's (Math.exp, Math.log1p) bit for bit; a
// sampled pass covers negative logits and soft targets. exp/log1p depend on |z| only.
// `node scripts/check-bce-kernel.mjs [dist/kernels.wasm] [--step N]` (N > 1: every N-th chunk).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--')) ?? 'dist/kernels.wasm';
const stepAt = args.indexOf('--step');
const step = stepAt >= 0 ? Number(args[stepAt + 1]) : 1;
const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
const { exports: k } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), { env: { memory } });
const N = 1 << 16;
const base = 65536;
const zp = base, yp = zp + 4 * N, dp = yp + 8 * N, sp = dp + 4 * N, op = sp + 64;
const z = new Float32Array(memory.buffer, zp, N);
const zu = new Uint32Array(memory.buffer, zp, N);
const y = new Float64Array(memory.buffer, yp, N);
const dz = new Float32Array(memory.buffer, dp, N);
const out = new Float64Array(memory.buffer, op, N);
const same = (a, b) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
let bad = 0;
let checked = 0;
function chunk(invM) {
  k.sigmoidBceTerms(N, zp, yp, dp, invM, sp, op);
  for (let i = 0; i < N; i++) {
    const zi = z[i];
    const yi = y[i];
    const e = Math.exp(-Math.abs(zi));
    const term = Math.max(zi, 0) - zi * yi + Math.log1p(e);
    const g = Math.fround(((zi >= 0 ? 1 / (1 + e) : e / (1 + e)) - yi) * invM);
    checked++;
    if (!same(term, out[i]) || !same(g, dz[i])) {
      if (++bad <= 20) console.log(`z=${zi} (0x${zu[i].toString(16)}) y=${yi}: term ${term} vs ${out[i]}, dz ${g} vs ${dz[i]}`);
    }
  }
}
const t0 = Date.now();
for (let c = 0; c < 0x80000000 / N; c += step) {
  for (let i = 0; i < N; i++) {
    zu[i] = c * N + i;
    y[i] = i & 1 ? 0 : 1;
  }
  chunk(1 / 211);
  if (c % 4096 === 0 && c > 0) console.log(`  … ${((c * N) / 0x80000000 * 100).toFixed(0)} % (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
// Negative logits, soft targets, random order (lanes of unlike magnitude): sampled.
let s = 12345;
const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
for (let c = 0; c < Math.max(64, 4096 / step); c++) {
  for (let i = 0; i < N; i++) {
    zu[i] = (rnd() * 0x100000000) >>> 0;
    y[i] = c % 2 ? rnd() : (i % 3 === 0 ? 1 : 0);
  }
  chunk(1 / 200);
}
console.log(`${checked} rows checked, ${bad} differ`);
process.exitCode = bad ? 1 : 0;
