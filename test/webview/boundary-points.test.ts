/** The decision-boundary card draws the training or the dev points and its caption says which (issue 11 §6). */
import assert from 'node:assert/strict';
import type { Snapshot } from '../../src/shared/protocol';
import { boundaryCaption, boundaryPoints, hasSet } from '../../webview/panels/boundary-points';

type Boundary = NonNullable<Snapshot['boundary']>;
const pts = (n: number, x0: number) => Array.from({ length: n }, (_, i) => ({ x: x0 + i, y: 0, label: i % 2 }));
const boundary = (extra: Partial<Boundary>): Boundary => ({
  xMin: 0, xMax: 1, yMin: 0, yMax: 1, resolution: 40, values: [], kind: 'probability', points: pts(400, 0), ...extra,
});

describe('decision boundary: which points, said in the caption', () => {
  const b = boundary({ devPoints: pts(200, 1000), counts: { train: 600, dev: 200 } });

  it('training points by default: a sample, counted against the whole split', () => {
    assert.equal(boundaryPoints(b, 'train'), b.points);
    assert.equal(boundaryCaption(b, 'train', 12), 'epoch 12 · 40×40 grid · 400 of 600 training points');
  });

  it('dev points on request: the dev sample, not the training one', () => {
    assert.equal(boundaryPoints(b, 'dev'), b.devPoints);
    assert.equal(boundaryCaption(b, 'dev', 12), 'epoch 12 · 40×40 grid · all 200 dev points');
    assert.doesNotMatch(boundaryCaption(b, 'train', 12), /dev/, 'the training view never says dev (it did: "600 dev points")');
  });

  it('no dev split, or an engine that sent none: dev cannot be chosen', () => {
    const old = boundary({});
    assert.equal(hasSet(old, 'dev'), false);
    assert.equal(hasSet(old, 'train'), true);
    assert.equal(boundaryCaption(old, 'train', undefined), 'epoch ? · 40×40 grid · all 400 training points');
    assert.equal(boundaryCaption(boundary({ devPoints: [], counts: { train: 400, dev: 0 } }), 'dev', 3), 'epoch 3 · 40×40 grid · no dev points');
  });
});
