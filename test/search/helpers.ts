import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SearchFile } from '../../src/shared/search-protocol';

export const ROOT = path.join(__dirname, '..', '..');
export const DIST = path.join(ROOT, 'dist');

/** `npm test` builds dist/ first; when run on their own, the search tests build what they need. */
export function ensureBuilt(): void {
  const needed = ['engine.js', 'search.js', 'cli.js'].map((f) => path.join(DIST, f));
  if (needed.every((f) => fs.existsSync(f))) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('node scripts/build.mjs failed');
}

export const LR = 'training.optimizer.learningRate';

/** A small moons experiment whose learning-rate range spans "does not learn" to "learns well". */
export function moonsSearch(search: Record<string, unknown>, training: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'moons-search', seed: 3,
    data: { source: 'moons', samples: 300, noise: 0.2 },
    // One small ReLU layer: with a tiny learning rate it stays at its (bad) initial boundary.
    model: { hidden: [{ units: 8, activation: 'relu' }] },
    training: { epochs: 100, batchSize: 32, optimizer: { type: 'gd', learningRate: 0.1 }, checkpointEvery: 10, ...training },
    diagnostics: { snapshotEvery: 0, layerStatsEvery: 50 },
    search: { space: { [LR]: { log: [1e-5, 1] } }, trials: 8, parallel: 2, epochsPerTrial: 8, ...search },
  };
}

/** search.json invariants that hold after any search ends. */
export function assertConsistent(file: SearchFile): void {
  const ids = file.trials.map((t) => t.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids in order');
  assert.equal(new Set(ids).size, ids.length, 'ids unique');
  assert.ok(file.trials.every((t) => ['finished', 'killed', 'failed', 'stopped', 'pruned'].includes(t.state)), 'no trial left running or queued');
  const best = file.trials.filter((t) => t.best);
  if (file.bestTrial === null) assert.equal(best.length, 0);
  else {
    assert.deepEqual(best.map((t) => t.id), [file.bestTrial]);
    const finished = file.trials.filter((t) => t.state === 'finished' && t.metric !== null);
    assert.ok(finished.every((t) => t.metric! >= best[0].metric!), 'the best has the lowest metric of the finished trials');
  }
  for (const t of file.trials) {
    assert.ok(t.round >= 0 && t.round < file.roundBoxes.length);
    assert.deepEqual(Object.keys(t.values), file.space.map((d) => d.path));
  }
}

export async function until(predicate: () => boolean, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
