/** Writing one value into an experiment file's text: everything else stays as the user wrote it. */
import * as assert from 'node:assert/strict';
import { applyTextEdit, jsonSet, jsonSetEdit } from '../../src/shared/json-edit';

describe('json-edit', () => {
  it('replaces an existing value and nothing else (comments, order, spacing kept)', () => {
    const text = '{\n  // my experiment\n  "training": {\n    "optimizer": { "type": "adam",   "learningRate": 0.001 }, // tuned\n    "epochs": 5\n  }\n}\n';
    const out = jsonSet(text, [{ pointer: '/training/optimizer/learningRate', value: 0.018 }]);
    assert.equal(out, text.replace('0.001', '0.018'));
  });

  it('adds a missing member after the last one, with the siblings\' indentation', () => {
    const text = '{\n    "name": "x",\n    "model": {\n        "init": "he"\n    }\n}\n';
    const out = jsonSet(text, [{ pointer: '/model/outputBias', value: 'prior' }]);
    assert.equal(out, '{\n    "name": "x",\n    "model": {\n        "init": "he",\n        "outputBias": "prior"\n    }\n}\n');
    assert.equal(JSON.parse(out).model.outputBias, 'prior');
  });

  it('creates the missing levels as nested objects in the nearest existing parent', () => {
    const text = '{\n  "data": { "source": "moons" }\n}';
    const out = jsonSet(text, [{ pointer: '/training/optimizer/learningRate', value: 0.02 }]);
    assert.equal(out, '{\n  "data": { "source": "moons" },\n  "training": { "optimizer": { "learningRate": 0.02 } }\n}');
  });

  it('fills an empty object and keeps a single-line object on one line', () => {
    assert.equal(jsonSet('{"data": {"source": "moons"}, "model": {}}', [{ pointer: '/model/outputBias', value: 'prior' }]),
      '{"data": {"source": "moons"}, "model": { "outputBias": "prior" }}');
    assert.equal(jsonSet('{"a": 1}', [{ pointer: '/b', value: true }]), '{"a": 1, "b": true}');
  });

  it('after a trailing comma adds the member without a second comma', () => {
    const out = jsonSet('{\n  "a": 1,\n}', [{ pointer: '/b', value: 2 }]);
    assert.equal(out, '{\n  "a": 1,\n  "b": 2,\n}');
  });

  it('gives the edit as a range (what a WorkspaceEdit replaces)', () => {
    const text = '{"training": {"optimizer": {"learningRate": 1e-3}}}';
    const edit = jsonSetEdit(text, '/training/optimizer/learningRate', 3e-4);
    assert.equal(text.slice(edit.offset, edit.offset + edit.length), '1e-3');
    assert.equal(applyTextEdit(text, edit), '{"training": {"optimizer": {"learningRate": 0.0003}}}');
  });

  it('refuses to add a member to something that is not an object', () => {
    assert.throws(() => jsonSetEdit('{"model": {"hidden": [1]}}', '/model/hidden/x', 1), /not an object/);
  });
});
