/**
 * The schema VS Code's JSON language service gets (scripts/editor-schema.mjs → dist/nn.editor.schema.json):
 * everything IntelliSense uses, nothing that reports a problem, so each mistake in an experiment is
 * shown once, by Gradient Lab's live check in the engine's words (issue 11 §8).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';

const ROOT = path.join(__dirname, '..', '..');
type Schema = Record<string, unknown>;
const source = JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', 'nn.schema.json'), 'utf8')) as Schema;

const CONSTRAINTS = ['type', 'required', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength',
  'pattern', 'minItems', 'maxItems', 'minProperties', 'propertyNames', 'not', 'enum', 'const', 'oneOf'];

/** Every `properties` path of a schema (through anyOf/oneOf/allOf/then/items/$defs), with its description. */
function documented(schema: unknown, at = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(schema)) {
    for (const s of schema) documented(s, at, out);
    return out;
  }
  if (typeof schema !== 'object' || schema === null) return out;
  const s = schema as Schema;
  for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
    const p = `${at}/${k}`;
    out.set(p, String(v.markdownDescription ?? v.description ?? out.get(p) ?? ''));
    documented(v, p, out);
  }
  for (const k of ['anyOf', 'oneOf', 'allOf', 'then', 'else', 'items']) documented(s[k], k === 'items' ? `${at}[]` : at, out);
  for (const k of ['definitions', '$defs']) for (const [name, v] of Object.entries((s[k] ?? {}) as Record<string, unknown>)) documented(v, `#${name}`, out);
  return out;
}

/** Keys that constrain, anywhere but inside an `if` and outside data (default, examples, snippets). */
function constraintsLeft(schema: unknown, where = '', found: string[] = []): string[] {
  if (Array.isArray(schema)) {
    schema.forEach((s, i) => constraintsLeft(s, `${where}[${i}]`, found));
    return found;
  }
  if (typeof schema !== 'object' || schema === null) return found;
  for (const [k, v] of Object.entries(schema as Schema)) {
    if (k === 'if' || k === 'default' || k === 'examples' || k === 'defaultSnippets') continue;
    if (k === 'properties' || k === 'definitions' || k === '$defs') {
      for (const [name, sub] of Object.entries(v as Record<string, unknown>)) constraintsLeft(sub, `${where}/${name}`, found);
      continue;
    }
    if (CONSTRAINTS.includes(k) || (k === 'additionalProperties' && v === false)) found.push(`${where} ${k}`);
    constraintsLeft(v, `${where}.${k}`, found);
  }
  return found;
}

describe('editor schema: IntelliSense without a second set of problems', () => {
  let editor: Schema;
  before(async () => {
    const mod = (await import(path.join(ROOT, 'scripts', 'editor-schema.mjs'))) as { editorSchema: (s: Schema) => Schema };
    editor = mod.editorSchema(source);
  });

  it('keeps every documented field (completion and hover) of the real schema', () => {
    const want = documented(source);
    const got = documented(editor);
    assert.ok(want.size > 80, `${want.size} fields`);
    for (const [p, doc] of want) assert.equal(got.get(p), doc, p);
  });

  it('keeps no keyword that reports a problem', () => {
    assert.deepEqual(constraintsLeft(editor), []);
    assert.ok(constraintsLeft(source).length > 100, 'the real schema has them');
  });

  it('the choices of every enum stay as completions, with their descriptions', () => {
    const text = JSON.stringify(editor);
    let enums = 0;
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) return x.forEach(walk);
      if (typeof x !== 'object' || x === null) return;
      const s = x as Schema;
      if (Array.isArray(s.enum)) {
        enums++;
        const docs = (s.markdownEnumDescriptions ?? s.enumDescriptions ?? []) as string[];
        s.enum.forEach((v, i) => {
          const snippet = JSON.stringify({ label: JSON.stringify(v), body: v }).slice(0, -1);
          assert.ok(text.includes(snippet), `a completion for ${JSON.stringify(v)}`);
          if (docs[i]) assert.ok(text.includes(JSON.stringify(docs[i])), `its description: ${docs[i]}`);
        });
      }
      Object.values(s).forEach(walk);
    };
    walk(source);
    assert.ok(enums >= 10, `${enums} enums`);
  });

  it('accepts what the engine rejects (the engine reports it, once): a misspelt field, a wrong type, a negative rate', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(editor);
    const bad = { data: { source: 'moonz' }, model: { hiden: [] }, training: { epochs: 'x', optimizer: { type: 'adam', learningRate: -1 } } };
    assert.equal(validate(bad), true, JSON.stringify(validate.errors));
    assert.equal(new Ajv({ strict: false, allErrors: true }).compile(source)(bad), false, 'the real schema rejects it');
  });
});
