#!/usr/bin/env node
// The same 30-trial moons search (examples/search.moons.nn.json: 4 hyperparameters, 30 epochs per
// trial, one round, the same seed, so the same 30 draws) with each early-termination rule: none
// (plain random search), median, asha and hyperband. Prints the best dev error and the epochs
// trained for each (and what a plain random search trains), from each search's search.json.
//
//   node scripts/build.mjs && node bench/search-policies.mjs [--parallel N] [--trials N] [--out DIR]
//
// With parallel > 1 which trials the median rule and ASHA stop depends on the order in which
// trials reach an epoch, so the epochs and best can differ between runs; --parallel 1 makes every
// search deterministic.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const parallel = Number(option('--parallel', '2'));
const trials = Number(option('--trials', '30'));
const out = option('--out', mkdtempSync(path.join(os.tmpdir(), 'gl-search-policies-')));

const RULES = {
  random: { type: 'none' },
  median: { type: 'median', graceEpochs: 10 },
  asha: { type: 'asha', eta: 3, minEpochs: 3 },
  hyperband: { type: 'hyperband', eta: 3, minEpochs: 3 },
};

const example = JSON.parse(readFileSync(path.join(root, 'examples', 'search.moons.nn.json'), 'utf8'));
const rows = [];
for (const [name, rule] of Object.entries(RULES)) {
  const dir = path.join(out, name);
  mkdirSync(dir, { recursive: true });
  const config = { ...example, name: `moons-${name}`, search: { ...example.search, trials, rounds: 1, parallel, earlyTermination: rule } };
  const file = path.join(dir, `${name}.nn.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'search', file, '--runs', path.join(dir, 'runs'), '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    process.exit(1);
  }
  const seconds = (Date.now() - started) / 1000;
  const runs = path.join(dir, 'runs');
  const searchDir = path.join(runs, readdirSync(runs).find((d) => d.endsWith('-search')));
  const s = JSON.parse(readFileSync(path.join(searchDir, 'search.json'), 'utf8'));
  const best = s.trials.find((t) => t.id === s.bestTrial);
  const count = (state) => s.trials.filter((t) => t.state === state).length;
  rows.push({ name, rule: JSON.stringify(rule), best: best?.metric ?? null, bestTrial: best?.name ?? '—', epochs: s.budget.epochs, random: s.budget.randomEpochs,
    finished: count('finished'), pruned: count('pruned'), resumed: s.trials.filter((t) => t.attempts > 1).length, seconds });
  console.error(`${name}: done in ${seconds.toFixed(1)} s (${searchDir})`);
}

const pct = (x) => `${(100 * x).toFixed(2)} %`;
console.log(`\n${trials}-trial moons search (examples/search.moons.nn.json, 30 epochs per trial), ${parallel} at once, ${os.cpus().length} cores:\n`);
console.log('| rule | best dev error | epochs trained | vs random | trials finished / pruned | resumed from a rung | wall time |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.name} \`${r.rule}\` | ${r.best === null ? '—' : pct(r.best)} (${r.bestTrial}) | ${r.epochs} / ${r.random} | ${pct(r.epochs / r.random)} | ${r.finished} / ${r.pruned} | ${r.resumed} | ${r.seconds.toFixed(1)} s |`);
}
console.log(`\nsearch folders under ${out}`);
