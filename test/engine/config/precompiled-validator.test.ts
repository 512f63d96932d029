/**
 * The bundles validate experiments with the schema compiled ahead of time (ajv standalone, see
 * scripts/build.mjs); the source compiles it at first use. Both must accept, reject, explain and
 * fill defaults identically, on every example and on broken files.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Module from 'node:module';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { transformSync } from 'esbuild';
import { precompiledValidatorSource } from '../../../scripts/precompile-validator';
import { compileExperimentValidator } from '../../../src/engine/config/schema-validator';
import { resolveConfigText } from '../../../src/engine/config/validate';
import { DIST, ensureBuilt } from '../../search/helpers';

const root = path.resolve(__dirname, '..', '..', '..');

/** Evaluates the generated ES module as CommonJS, resolving its ajv runtime imports from the repo. */
function loadStandalone(): ValidateFunction {
  const { code } = transformSync(precompiledValidatorSource(), { format: 'cjs', loader: 'js' });
  const mod = new Module(path.join(root, 'standalone-validator.js'));
  mod.filename = mod.id;
  mod.paths = [path.join(root, 'node_modules')];
  (mod as unknown as { _compile(code: string, file: string): void })._compile(code, mod.filename);
  return (mod.exports as { precompiled: ValidateFunction }).precompiled;
}

const examples = readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.nn.json'))
  .map((f) => JSON.parse(readFileSync(path.join(root, 'examples', f), 'utf8')) as Record<string, unknown>);
const moons = examples[0];
const broken: unknown[] = [
  {},
  { ...moons, training: { epochs: -3, batchSize: 'eight' } },
  { ...moons, model: { layers: [{ type: 'dense', units: 0 }, { type: 'nonsense' }] } },
  { ...moons, optimizer: { type: 'adam', beta1: 2 } },
  { ...moons, data: { source: 'csv' } },
  { ...moons, extra: true },
  [],
  'not an experiment',
];

describe('config: the precompiled (standalone) schema validator', function () {
  this.timeout(30_000);
  it('agrees with the schema compiled at run time on every example and on broken files', () => {
    const standalone = loadStandalone();
    const runtime = compileExperimentValidator();
    for (const input of [...examples, ...broken]) {
      const a = structuredClone(input);
      const b = structuredClone(input);
      const okA = standalone(a);
      const okB = runtime(b);
      assert.equal(okA, okB, JSON.stringify(input).slice(0, 80));
      assert.deepEqual(a, b, 'the same defaults filled in');
      const strip = (errors: ValidateFunction['errors']) => (errors ?? []).map(({ instancePath, keyword, params, message }) => ({ instancePath, keyword, params, message }));
      assert.deepEqual(strip(standalone.errors), strip(runtime.errors));
    }
    assert.equal(standalone(structuredClone(broken[1])), false, 'a broken file is rejected');
  });

  it('the bundled CLI explains broken files word for word as the source does', () => {
    ensureBuilt();
    const search = JSON.parse(readFileSync(path.join(root, 'examples', 'search.moons.nn.json'), 'utf8')) as Record<string, unknown>;
    const texts = [
      { ...moons, data: { source: 'moonz' } }, // a oneOf the messages collapse (data source)
      { ...moons, data: { csv: 'a.csv', idx: { images: 'i', labels: 'l' } } },
      { ...search, search: { ...(search.search as object), space: { 'optimizer.learningRate': { bogus: 1 } } } }, // a oneOf (distribution)
      { ...moons, training: { epochs: -3, batchSize: 'eight' } },
      { ...moons, extra: true },
    ].map((x) => JSON.stringify(x, null, 2));
    const dir = mkdtempSync(path.join(tmpdir(), 'gl-precompiled-'));
    try {
      texts.forEach((text, i) => {
        const file = path.join(dir, `bad${i}.nn.json`);
        writeFileSync(file, text);
        let expected = '';
        try {
          resolveConfigText(text, file);
        } catch (e) {
          expected = (e as Error).message;
        }
        assert.ok(expected, `file ${i} is invalid`);
        const r = spawnSync(process.execPath, [path.join(DIST, 'cli.js'), 'train', file, '--quiet'], { encoding: 'utf8' });
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stderr.trim(), `gradient-lab: ${expected}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
