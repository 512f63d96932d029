/** `gradient-lab diagnose` and `gradient-lab lr-find` as a user runs them: the card, exit codes, --json, --apply. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DiagnoseReport, LrFindResult } from '../../src/shared/diagnosis';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('CLI: diagnose and lr-find', function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-cli-diagnose-'));
  });
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('diagnose prints the report card and exits 0 on a healthy example', () => {
    const r = cli(['diagnose', 'examples/moons.nn.json']);
    assert.equal(r.code, 0, r.err);
    for (const title of ['Loss at initialisation', 'Overfit a tiny set', 'Input-independent baseline', 'Regularisation raises the training loss',
      'Gradient check', 'Update / weight ratio', 'Dead, saturated and identical units', 'Learning-rate range test']) {
      assert.match(r.out, new RegExp(`✓ pass  ${title.replace(/[/]/g, '\\/')}`));
    }
    assert.match(r.out, /threshold: /);
    assert.match(r.out, /PASS: 8 pass/);
  });

  it('diagnose exits 1 when a check fails, and --json is the report', () => {
    const file = write('zeros.nn.json', JSON.stringify({ data: { source: 'moons' }, model: { hidden: [{ units: 8 }, { units: 8 }], init: 'zeros' } }));
    const text = cli(['diagnose', file]);
    assert.equal(text.code, 1);
    assert.match(text.out, /✗ FAIL {2}Overfit a tiny set/);
    const json = cli(['diagnose', file, '--json']);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.out) as DiagnoseReport;
    assert.equal(report.status, 'fail');
    assert.equal(report.checks.find((c) => c.id === 'updateRatio')?.status, 'fail');
  });

  it('diagnose of a bad file: located error, exit 2, no stack trace', () => {
    const file = write('bad.nn.json', '{\n  "data": { "source": "moons" },\n  "model": { "init": "nope" }\n}\n');
    const r = cli(['diagnose', file]);
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.nn\.json:3:\d+ \/model\/init/);
    assert.doesNotMatch(r.err, /\n\s+at /);
  });

  it('lr-find prints the curve and the suggestion; --apply writes it and keeps the rest of the file', () => {
    const original = '{\n  // moons, tuned by hand\n  "data": { "source": "moons", "samples": 400 },\n  "training": {\n    "optimizer": { "type": "adam", "learningRate": 0.0001 },\n    "epochs": 3\n  }\n}\n';
    const file = write('moons.nn.json', original);
    const shown = cli(['lr-find', file]);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, /suggested learning rate/);
    assert.match(shown.out, /▼/);
    assert.equal(fs.readFileSync(file, 'utf8'), original, 'without --apply the file is untouched');
    assert.equal((JSON.parse(cli(['lr-find', file, '--json', '--steps', '60']).out) as LrFindResult).options.steps, 60);
    const result = JSON.parse(cli(['lr-find', file, '--json']).out) as LrFindResult;
    assert.ok(result.suggestion);
    const applied = cli(['lr-find', file, '--apply']);
    assert.equal(applied.code, 0, applied.err);
    const text = fs.readFileSync(file, 'utf8');
    const rate = Number(/"learningRate": ([0-9.e-]+)/.exec(text)![1]);
    assert.equal(rate, Number(result.suggestion.lr.toPrecision(2)));
    assert.equal(text, original.replace('0.0001', String(rate)), 'only the learning rate changed');
  });

  it('lr-find flags are checked', () => {
    const r = cli(['lr-find', 'examples/moons.nn.json', '--steps', 'x']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--steps must be a positive integer/);
  });
});
