/** The search header's "trials × rounds" chip counts the trials each round really has. */
import * as assert from 'node:assert/strict';
import type { TrialRecord } from '../../src/shared/search-protocol';
import { trialsPerRoundLabel } from '../../src/shared/search-view';

const trial = (id: number, round: number): TrialRecord => ({
  id, name: `trial-${id}`, round, values: {}, coords: {}, state: 'finished', metric: 0.1, metricName: 'devError',
  curve: [], epoch: 1, epochs: 1, runDir: null, best: false, attempts: 1,
});
const box = (index: number): { index: number; box: Record<string, never>; basedOn: number[] } => ({ index, box: {}, basedOn: [] });
const trials = (perRound: number[]): TrialRecord[] => perRound.flatMap((n, r) => Array.from({ length: n }, () => r)).map((r, i) => trial(i + 1, r));

describe('search header: trials per round', () => {
  it('six trials in a one-round search of four (two added by hand) read 6 trials × 1 round', () => {
    assert.equal(trialsPerRoundLabel({ trialsPerRound: 4, rounds: 1, roundBoxes: [box(0)], trials: trials([6]) }), '6 trials × 1 round');
  });

  it('the plan before any round opened, and for the rounds still to come', () => {
    assert.equal(trialsPerRoundLabel({ trialsPerRound: 4, rounds: 3, roundBoxes: [], trials: [] }), '4 trials × 3 rounds');
    assert.equal(trialsPerRoundLabel({ trialsPerRound: 4, rounds: 3, roundBoxes: [box(0)], trials: trials([4]) }), '4 trials × 3 rounds');
    assert.equal(trialsPerRoundLabel({ trialsPerRound: 1, rounds: 1, roundBoxes: [box(0)], trials: trials([1]) }), '1 trial × 1 round');
  });

  it('uneven rounds are listed', () => {
    assert.equal(trialsPerRoundLabel({ trialsPerRound: 4, rounds: 3, roundBoxes: [box(0), box(1)], trials: trials([4, 6]) }), '4 + 6 + 4 trials in 3 rounds');
  });
});
