/**
 * Diagnoses that do not cry wolf, in the real extension: a small moons run that trains to
 * convergence (tiny gradients because the cost is tiny) ends with a handful of flag episodes at
 * most, one "converged" note, and no "vanishing gradients"; its dashboard, the Runs tree and the
 * run agree that it finished.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { GradientLabApi } from '../../../src/extension/extension';
import { api, waitFor, workspaceFile } from './util';

describe('Flags in VS Code: a converged run is not flagged as vanishing', function () {
  this.timeout(180_000);
  let gl: GradientLabApi;
  before(async () => { gl = await api(); });

  it('trains to convergence: at most a few episodes, one converged note, the views agree it finished', async () => {
    const uri = workspaceFile('converge.nn.json');
    fs.writeFileSync(uri.fsPath, JSON.stringify({
      name: 'converge', seed: 1,
      data: { source: 'moons', samples: 400, noise: 0.05 },
      model: { hidden: [{ units: 16, activation: 'relu' }, { units: 16, activation: 'relu' }], init: 'he' },
      training: { epochs: 3000, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, checkpointEvery: 0 },
    }, null, 2));
    const id = await vscode.commands.executeCommand<string | undefined>('gradientLab.startTraining', uri);
    assert.ok(id);
    const run = gl.runs.get(id)!;
    await waitFor('the run to finish', () => run.state === 'finished', 150_000);
    const flags = run.view.flags;
    const listing = flags.map((f) => `${f.kind} ${f.layer ?? ''} @${f.iteration}: ${f.message}`).join('\n');
    console.log(`      (${run.view.iteration} iterations, final train cost ${run.view.summary?.final?.trainCost.toExponential(2)}; ${flags.length} flag entries:\n${listing})`);
    assert.ok(flags.length <= 5, `a handful of entries at most:\n${listing}`);
    assert.ok(!flags.some((f) => f.kind === 'vanishing'), `no vanishing on a converged run:\n${listing}`);
    assert.ok(flags.filter((f) => f.kind === 'converged').length <= 1, listing);
    const events = fs.readFileSync(`${run.runDir}/events.jsonl`, 'utf8').split('\n').filter((l) => l.includes('"type":"flag"'));
    assert.ok(events.length <= 10, `${events.length} flag lines in events.jsonl`);
    // Every view reads the same run state.
    const d = await waitFor('the dashboard to render the end', () => {
      const s = gl.dashboard(id);
      return s.open && s.rendered && s.rendered.epoch === 3000 ? s : undefined;
    }, 30_000);
    assert.ok(d.snapshots >= 1);
    const row = gl.runsTree.children(undefined).find((r) => (r as { id?: string }).id === id);
    assert.ok(row, 'listed in the Runs tree');
    assert.match(String(gl.runsTree.item(row).contextValue), /finished/);
  });
});
