#!/usr/bin/env node
// Prints a bench/results/*.json file as the Markdown results table of the README:
//   node bench/table.mjs bench/results/2026-11-26-vm.json
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/table.mjs <results.json>');
  process.exit(2);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const e = r.env;
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');
const g = (x) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const engineRow = (med, threads) => {
  const plain = med[`engine ${threads}T`];
  const fma = med[`engine ${threads}T fma`];
  return fma === undefined ? int(plain) : `${int(plain)} / ${int(fma)}`;
};

console.log(`${e.date.slice(0, 10)}, ${e.cpu}, ${e.cores} cores, Node ${e.node}; load average ` +
  `${e.loadAverageAtStart[0].toFixed(1)} at start, ${(e.loadAverageAtEnd ?? [NaN])[0].toFixed(1)} at end; ` +
  `${e.rounds} rounds, medians. Engine columns: plain SIMD / relaxed-SIMD FMA kernels.\n`);
console.log(`| workload | engine 1T | engine ${e.engineThreads}T | PyTorch t1/ob1 | PyTorch best (setting) | numpy best | engine best / PyTorch best (per round) | engine best / best peer (per round) | target vs peer |`);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [name, w] of Object.entries(r.workloads ?? {})) {
  const m = w.medians;
  const np = Math.max(m['numpy ob1'] ?? NaN, m['numpy ob2'] ?? NaN);
  console.log(`| ${name} samples/s | ${engineRow(m, 1)} | ${engineRow(m, e.engineThreads)} | ${int(m['torch t1/ob1'])} | ` +
    `${int(m[w.bestTorch])} (${w.bestTorch?.replace('torch ', '') ?? '—'}) | ${int(np)} | ${ratio(w.ratioBest)} ` +
    `(${w.pairBest.map(ratio).join(', ')}) | ${ratio(w.ratioPeer)} (${(w.pairPeer ?? []).map(ratio).join(', ')}) | ≥ ${w.peerTarget ?? '—'}× |`);
}
if (r.gemm) {
  console.log(`\n| GEMM GFLOP/s | engine 1T | engine ${e.engineThreads}T | PyTorch 1T | PyTorch 2T | numpy 1T | numpy 2T |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const [row, v] of Object.entries(r.gemm.rows)) {
    const m = v.medians;
    const eng = (t) => (m[`engine ${t}T fma`] === undefined ? g(m[`engine ${t}T`])
      : `${g(m[`engine ${t}T`])} / ${g(m[`engine ${t}T fma`])}`);
    console.log(`| ${row} | ${eng(1)} | ${eng(e.engineThreads)} | ${g(m['torch 1T'])} | ${g(m['torch 2T'])} | ` +
      `${g(m['numpy 1T'])} | ${g(m['numpy 2T'])} |`);
  }
}
if (r.telemetry) {
  const t = r.telemetry;
  const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '—');
  console.log(`\nTelemetry (W1 through the real Trainer, engine ${t.threads}T${t.variant === 'on' ? ' fma' : ''}, ` +
    `${t.rounds} rounds): time inside layer statistics (every 10 iterations) and the IPC sink ${pct(t.share)} of the ` +
    `timed epochs (rounds ${t.shares.map(pct).join(', ')}; target < ${pct(t.target)}); on/off runs ` +
    `${int(t.medians.on)} / ${int(t.medians.off)} samples/s.`);
}
