import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFloat64, RunFolder } from '../../src/engine/run/run-folder';

describe('engine: run folder writer', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-writer-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the last few points of a paused run without waiting for more iterations (regression: Step while paused)', async () => {
    const folder = new RunFolder(dir);
    for (let i = 1; i <= 4; i++) folder.iteration(i, 1, 1 / i, 0.1);
    assert.equal(readFloat64(path.join(dir, 'costs.f64')).length, 0, 'held for a moment');
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual([...readFloat64(path.join(dir, 'costs.f64'))], [1, 1 / 2, 1 / 3, 1 / 4]);
    assert.deepEqual([...readFloat64(path.join(dir, 'lr.f64'))], [1, 0.1]);
    folder.iteration(5, 1, Number.NaN, 0.01);
    folder.close();
    const costs = readFloat64(path.join(dir, 'costs.f64'));
    assert.equal(costs.length, 5);
    assert.ok(Number.isNaN(costs[4]));
    assert.deepEqual([...readFloat64(path.join(dir, 'lr.f64'))], [1, 0.1, 5, 0.01]);
  });
});
