/**
 * search.json is read by the engine (resume, export) and by the host (past searches) through one
 * parser, parseSearchFile; and `progress` is computed from trial records by one function.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSearchFile as engineRead, writeSearchFile } from '../../src/engine/search/search-store';
import { readSearchFile as hostRead } from '../../src/extension/search/search-manager';
import {
  parseSearchFile, SEARCH_FILE, SEARCH_FILE_VERSION, searchProgress, type SearchFile, type TrialRecord, type TrialState,
} from '../../src/shared/search-protocol';

function trial(id: number, state: TrialState, metric: number | null, name = `trial-00${id}`): TrialRecord {
  return {
    id, name, round: 0, values: { lr: 0.1 }, coords: { lr: -1 }, state, metric, metricName: 'devError',
    curve: metric === null ? [] : [0.5, metric], epoch: 2, epochs: 2, runDir: null, best: false, attempts: 1,
  };
}

function file(trials: TrialRecord[]): SearchFile {
  return {
    version: SEARCH_FILE_VERSION, name: 's', configPath: '/x.nn.json', createdAt: 't', updatedAt: 't', state: 'running', seed: 1,
    metric: 'devError', mode: 'min', trialsPerRound: trials.length, rounds: 1, keepTop: 1, parallel: 1, epochsPerTrial: 2,
    earlyTermination: { type: 'none', graceEpochs: 5 }, space: [], roundBoxes: [], trials, bestTrial: null, experiment: { name: 'NaN' },
  };
}

describe('search.json: one parser for engine and host', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-search-file-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('non-finite metrics round-trip; strings that merely read "NaN" stay strings', async () => {
    writeSearchFile(dir, file([trial(1, 'finished', Number.NaN, 'NaN'), trial(2, 'failed', Number.POSITIVE_INFINITY)]));
    for (const read of [engineRead(dir), await hostRead(dir)]) {
      assert.ok(read);
      assert.ok(Number.isNaN(read.trials[0].metric));
      assert.ok(Number.isNaN(read.trials[0].curve[1]));
      assert.equal(read.trials[1].metric, Number.POSITIVE_INFINITY);
      assert.equal(read.trials[0].name, 'NaN');
      assert.deepEqual(read.experiment, { name: 'NaN' });
    }
  });

  it('an older or foreign file is refused with the reason (engine) or as null (host)', async () => {
    fs.writeFileSync(path.join(dir, SEARCH_FILE), JSON.stringify({ ...file([]), version: SEARCH_FILE_VERSION + 1 }));
    assert.throws(() => engineRead(dir), /search file version 2 is not supported/);
    assert.equal(await hostRead(dir), null);
    assert.throws(() => parseSearchFile('{"trials": 3}'), /not a Gradient Lab search file/);
    assert.throws(() => engineRead(path.join(dir, 'missing')), /not a search folder/);
  });

  it('fills what older writers left out: round boxes, curves; a metric that is not a number is null', () => {
    const raw = JSON.parse(JSON.stringify(file([trial(1, 'running', 0.2)]))) as Record<string, unknown>;
    delete raw.roundBoxes;
    const t = (raw.trials as Record<string, unknown>[])[0];
    delete t.curve;
    t.metric = 'bad';
    const parsed = parseSearchFile(JSON.stringify(raw));
    assert.deepEqual(parsed.roundBoxes, []);
    assert.deepEqual(parsed.trials[0].curve, []);
    assert.equal(parsed.trials[0].metric, null);
  });
});

describe('search progress from trial records', () => {
  it('counts states, names the best trial, and says round 0 before any round exists', () => {
    const trials = [trial(1, 'finished', 0.1), trial(2, 'running', 0.3), trial(3, 'paused', null), trial(4, 'queued', null),
      trial(5, 'killed', 0.05), trial(6, 'pruned', 0.4)];
    assert.deepEqual(searchProgress(trials, 1, 2), {
      done: 3, running: 1, queued: 1, paused: 1, total: 6, round: 1, best: { id: 1, metric: 0.1, values: { lr: 0.1 } },
      budget: { epochs: 12, randomEpochs: 12 },
    });
    assert.equal(searchProgress(trials, null, 0).round, 0);
    assert.equal(searchProgress(trials, 4, 1).best, null, 'a best trial without a metric is not reported');
  });
});
