import assert from 'node:assert/strict';
import Ajv from 'ajv';
import schema from '../../../schema/nn.schema.json';
import { resolveConfig } from '../../../src/engine/config/validate';

type Node = { [k: string]: unknown };

/** Every subschema with its JSON pointer, its parent object schema and how it was reached. */
function* walk(node: unknown, pointer: string, via: string): Generator<{ node: Node; pointer: string; via: string }> {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
  const n = node as Node;
  yield { node: n, pointer, via };
  for (const [k, v] of Object.entries((n.properties as Node | undefined) ?? {})) yield* walk(v, `${pointer}/properties/${k}`, 'property');
  for (const [k, v] of Object.entries((n.definitions as Node | undefined) ?? {})) yield* walk(v, `${pointer}/definitions/${k}`, 'definition');
  for (const key of ['items', 'additionalProperties', 'if', 'then', 'else', 'propertyNames']) {
    if (n[key] !== undefined) yield* walk(n[key], `${pointer}/${key}`, key);
  }
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    const list = n[key];
    if (Array.isArray(list)) for (let i = 0; i < list.length; i++) yield* walk(list[i], `${pointer}/${key}/${i}`, key);
  }
}

/** Optional by design: no default, because the resolved config leaves them out when not given. */
const OPTIONAL = new Set([
  '#/properties/$schema',
  // Either data (a model described here) or engine (a Python script; then data is not used).
  '#/properties/data',
  '#/properties/engine',
  // Absent: the setting gradientLab.python.interpreter; no torchrun.
  '#/properties/engine/properties/interpreter',
  '#/properties/engine/properties/torchrun',
  '#/properties/data/properties/dev',
  '#/properties/data/properties/test',
  '#/properties/search',
  '#/properties/search/properties/epochsPerTrial',
  '#/properties/search/properties/seed',
  // Derived when absent: graceEpochs (at least 1), the trial's epochs, every bracket (docs/search.md).
  '#/properties/search/properties/earlyTermination/properties/minEpochs',
  '#/properties/search/properties/earlyTermination/properties/maxEpochs',
  '#/properties/search/properties/earlyTermination/properties/brackets',
]);

const ANNOTATIONS = ['markdownDescription', 'enumDescriptions', 'markdownEnumDescriptions', 'defaultSnippets'];

function thenDefaults(owner: Node | undefined): Set<string> {
  const out = new Set<string>();
  if (!owner) return out;
  const thens = [owner.then, ...((owner.allOf as Node[] | undefined) ?? []).map((s) => s.then)];
  for (const t of thens) {
    const props = (t as Node | undefined)?.properties as Record<string, Node> | undefined;
    for (const [k, v] of Object.entries(props ?? {})) if (typeof v === 'object' && v.default !== undefined) out.add(k);
  }
  return out;
}

describe('config/schema', () => {
  const all = [...walk(schema, '#', 'root')];
  const byPointer = new Map(all.map((e) => [e.pointer, e.node]));

  it('is draft-07 with an $id and a title', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.ok(schema.$id);
    assert.ok(schema.title);
  });

  it('compiles in ajv strict mode', () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true, useDefaults: true, allErrors: true });
    for (const keyword of ANNOTATIONS) ajv.addKeyword(keyword);
    ajv.compile(schema);
  });

  it('gives every property a description and a default (or says why not)', () => {
    const problems: string[] = [];
    for (const { node, pointer } of all) {
      if (pointer.includes('/if')) continue; // conditions, not declarations
      const props = node.properties as Record<string, unknown> | undefined;
      if (!props) continue;
      const required = new Set((node.required as string[] | undefined) ?? []);
      // Defaults for per-type fields live in then-branches of the same object (or of the oneOf owner).
      const ownerPointer = pointer.replace(/\/(oneOf|anyOf)\/\d+$/, '');
      const viaThen = new Set([...thenDefaults(node), ...thenDefaults(byPointer.get(ownerPointer))]);
      const inThen = /\/then$/.test(pointer);
      for (const [k, v] of Object.entries(props)) {
        const p = `${pointer}/properties/${k}`;
        if (v === true) {
          assert.ok(inThen, `${p}: "true" only passes a field through in a per-type branch`);
          continue;
        }
        const s = v as Node;
        if (typeof s.description !== 'string' || s.description.length < 5) problems.push(`${p}: no description`);
        if (inThen) continue;
        if (s.default === undefined && !required.has(k) && !OPTIONAL.has(p) && !viaThen.has(k)) problems.push(`${p}: no default`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('forbids unknown fields in every object', () => {
    const problems: string[] = [];
    for (const { node, pointer, via } of all) {
      const isObject = node.type === 'object' || node.properties !== undefined;
      if (!isObject || via === 'if' || pointer.includes('/if/')) continue;
      if (pointer === '#/definitions/dataSource/then') continue; // adds defaults; the oneOf branches are closed
      if (pointer === '#/then') continue; // only requires data when no engine (a Python script) is named
      if (pointer === '#/properties/search/properties/space') {
        assert.equal(typeof node.additionalProperties, 'object'); // a map: keys are config paths
        continue;
      }
      if (node.additionalProperties !== false) problems.push(pointer);
    }
    assert.deepEqual(problems, []);
  });

  it('uses enums for every kind', () => {
    for (const p of [
      '#/properties/data/properties/normalize',
      '#/properties/model/properties/output',
      '#/properties/model/properties/init',
      '#/definitions/hiddenLayer/properties/activation',
      '#/properties/training/properties/optimizer/properties/type',
      '#/properties/training/properties/lrDecay/properties/type',
      '#/properties/training/properties/dtype',
      '#/properties/training/properties/backend',
      '#/properties/search/properties/metric',
    ]) {
      assert.ok(Array.isArray(byPointer.get(p)?.enum), p);
    }
  });

  it('has object defaults that agree with the defaults inside them', () => {
    // Replace every object default by {} and let the inner defaults fill it: same result.
    const bare = structuredClone(schema) as unknown as Node;
    for (const { pointer } of [...walk(bare, '#', 'root')]) {
      const n = pointer
        .slice(2)
        .split('/')
        .filter(Boolean)
        .reduce<Node>((acc, t) => acc[t] as Node, bare);
      if (n.default && typeof n.default === 'object' && !Array.isArray(n.default)) n.default = {};
    }
    const ajv = new Ajv({ strict: true, allowUnionTypes: true, useDefaults: true });
    for (const keyword of ANNOTATIONS) ajv.addKeyword(keyword);
    const validate = ajv.compile(bare);
    const data = { data: { source: 'moons' } };
    assert.ok(validate(data), JSON.stringify(validate.errors));
    assert.deepEqual(data, resolveConfig({ data: { source: 'moons' } }));
  });
});
