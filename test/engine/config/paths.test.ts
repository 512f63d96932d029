import assert from 'node:assert/strict';
import {
  allSchemaPaths,
  expandPath,
  formatPath,
  getPath,
  parsePath,
  pathToPointer,
  schemaAt,
  schemaHasPath,
  setPath,
} from '../../../src/engine/config/paths';

function sample() {
  return {
    training: { optimizer: { type: 'adam', learningRate: 0.001 } },
    model: { hidden: [{ units: 16 }, { units: 8, keepProb: 1 }] },
  };
}

describe('config/paths', () => {
  it('parses and formats paths', () => {
    assert.deepEqual(parsePath('model.hidden[0].units'), [{ key: 'model' }, { key: 'hidden' }, { index: 0 }, { key: 'units' }]);
    assert.deepEqual(parsePath('a[*][2]'), [{ key: 'a' }, { all: true }, { index: 2 }]);
    assert.equal(formatPath(parsePath('model.hidden[*].keepProb')), 'model.hidden[*].keepProb');
    for (const bad of ['', 'a..b', '.a', 'a.', 'a[', 'a[x]', 'a[-1]', 'a[01]', 'a b', 'a]']) {
      assert.throws(() => parsePath(bad), /bad path/, bad);
    }
  });

  it('getPath reads values, undefined when missing, arrays for [*]', () => {
    const o = sample();
    assert.equal(getPath(o, 'training.optimizer.learningRate'), 0.001);
    assert.equal(getPath(o, 'model.hidden[1].units'), 8);
    assert.deepEqual(getPath(o, 'model.hidden[*].units'), [16, 8]);
    assert.deepEqual(getPath(o, 'model.hidden[*].keepProb'), [undefined, 1]);
    assert.equal(getPath(o, 'model.hidden[5].units'), undefined);
    assert.equal(getPath(o, 'model.nothing.deeper'), undefined);
    assert.equal(getPath(o, 'model.hidden.units'), undefined);
    assert.equal(getPath(o, 'training.optimizer.type.length'), undefined);
    assert.equal(getPath({}, 'toString'), undefined);
  });

  it('setPath sets one place, creates missing containers, and [*] sets all', () => {
    const o = sample() as Record<string, unknown>;
    assert.equal(setPath(o, 'training.optimizer.learningRate', 0.01), 1);
    assert.equal(getPath(o, 'training.optimizer.learningRate'), 0.01);
    assert.equal(setPath(o, 'model.hidden[*].keepProb', 0.8), 2);
    assert.deepEqual(getPath(o, 'model.hidden[*].keepProb'), [0.8, 0.8]);
    assert.equal(setPath(o, 'training.regularization.l2', 0.7), 1);
    assert.deepEqual(getPath(o, 'training.regularization'), { l2: 0.7 });
    assert.equal(setPath(o, 'data.extra[0].x', 3), 1);
    assert.equal(setPath(o, 'data.extra[1]', 4), 1);
    assert.deepEqual(getPath(o, 'data.extra'), [{ x: 3 }, 4]);
    assert.throws(() => setPath(o, 'data.extra[3]', 5), /has only 2 elements/);
    assert.equal(setPath(o, 'missing[*].x', 1), 0);
    assert.equal(setPath(o, 'model.hidden[*]', { units: 4 }), 2);
    assert.deepEqual(getPath(o, 'model.hidden'), [{ units: 4 }, { units: 4 }]);
    assert.notEqual((o.model as { hidden: object[] }).hidden[0], (o.model as { hidden: object[] }).hidden[1]);
    assert.throws(() => setPath(o, 'training.optimizer.type.x', 1), /not an object/);
    assert.throws(() => setPath(o, 'training[0]', 1), /not an array/);
    setPath(o, '__proto__.polluted', 1);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('expands [*] and converts to JSON pointers', () => {
    const o = sample();
    assert.deepEqual(expandPath(o, 'model.hidden[*].units').map(formatPath), ['model.hidden[0].units', 'model.hidden[1].units']);
    assert.deepEqual(expandPath(o, 'training.optimizer.learningRate').map(formatPath), ['training.optimizer.learningRate']);
    assert.equal(pathToPointer('model.hidden[0].units'), '/model/hidden/0/units');
    assert.throws(() => pathToPointer('model.hidden[*].units'), /\[\*\]/);
  });

  it('schemaHasPath knows the schema, including per-type and array fields', () => {
    for (const good of [
      'training.optimizer.learningRate',
      'training.optimizer.beta1',
      'training.optimizer.beta',
      'training.lrDecay.every',
      'model.hidden[0].units',
      'model.hidden[*].keepProb',
      'model.hidden[12].batchNorm',
      'data.split.train',
      'data.source.csv',
      'seed',
    ]) {
      assert.ok(schemaHasPath(good), good);
    }
    for (const bad of [
      'training.optimizer.learningrate',
      'training.optimizer.lr',
      'model.hidden.units',
      'model.hidden[0].unit',
      'model.output.x',
      'nothing',
      'model..units',
      '',
    ]) {
      assert.equal(schemaHasPath(bad), false, bad);
    }
    assert.ok(schemaAt('model.hidden[0].units').every((s) => s.type === 'integer'));
  });

  it('lists every leaf path of the schema', () => {
    const paths = allSchemaPaths();
    for (const p of ['training.optimizer.learningRate', 'model.hidden[*].units', 'diagnostics.gradientCheck.epsilon', 'data.split.test']) {
      assert.ok(paths.includes(p), p);
    }
    assert.ok(!paths.some((p) => p.startsWith('search')));
    for (const p of paths) assert.ok(schemaHasPath(p), p);
  });
});
