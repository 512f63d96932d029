/**
 * Issue 15 through the CLI as a user runs it (dist/cli.js, built by scripts/build.mjs): a diverged
 * run ends with exit 4 and a complete folder in every output mode, a closed pipe stops quietly,
 * two runs on one --out never interleave, Ctrl-C stops cleanly.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCheckpointFile } from '../../../src/engine/run/checkpoint-file';

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const json = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

/** Spawns the CLI and resolves once a line of its stdout matches `ready`. */
function startCli(args: string[], ready: RegExp): Promise<{ child: ReturnType<typeof spawn>; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (ready.test(text)) resolve({ child, exit });
    });
    void exit.then(() => reject(new Error(`exited before ${ready}: ${text}`)));
  });
}

describe('faults: CLI', function () {
  this.timeout(120000);
  let dir: string;
  const write = (name: string, content: unknown): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(content));
    return file;
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-clifault-'));
  });

  for (const mode of ['--json', '--quiet', 'human']) {
    it(`a diverged run (lr 1e308) ends with exit 4 and a complete run folder (${mode})`, () => {
      const file = write('div.nn.json', { data: { source: 'moons' }, training: { optimizer: { learningRate: 1e308 } } });
      const out = path.join(dir, 'run');
      const r = cli(['train', file, '--out', out, ...(mode === 'human' ? [] : [mode])]);
      assert.equal(r.code, 4, r.err);
      assert.match(r.out, /non-finite values in W of hidden 1/);
      assert.equal(json(path.join(out, 'summary.json')).state, 'diverged');
      const model = json(path.join(out, 'model.json'));
      assert.ok(model);
      const checkpoint = readCheckpointFile(path.join(out, 'checkpoints', 'latest.json'));
      assert.equal(checkpoint.iteration, 0);
      assert.ok(checkpoint.model.params.every((p) => Array.from(p.data).every(Number.isFinite)), 'the last good weights');
      assert.ok(!fs.existsSync(path.join(out, 'engine.lock')));
    });
  }

  it('train --json with the reader gone after one line (| head -1) stops quietly, folder complete', async () => {
    const file = write('long.nn.json', { data: { source: 'moons' }, training: { epochs: 100000 } });
    const out = path.join(dir, 'run');
    const { child, exit } = await startCli(['train', file, '--out', out, '--json'], /\n/);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout!.destroy();
    assert.equal(await exit, 0, err);
    assert.equal(err, '');
    const summary = json(path.join(out, 'summary.json'));
    assert.equal(summary.state, 'stopped');
    assert.match(String(summary.reason), /output pipe was closed/);
    assert.ok(fs.existsSync(path.join(out, 'checkpoints', 'latest.json')));
  });

  it('a second run on the same --out while the first runs is refused; the first is untouched', async () => {
    const file = write('long.nn.json', { data: { source: 'moons' }, training: { epochs: 100000 } });
    const out = path.join(dir, 'run');
    const first = await startCli(['train', file, '--out', out, '--json'], /"type":"epoch"/);
    const second = cli(['train', file, '--out', out, '--json']);
    assert.equal(second.code, 2);
    assert.match(second.err, new RegExp(`the run folder ${out.replace(/[/\\]/g, '.')} is in use by another run \\(engine process ${first.child.pid}\\)`));
    assert.doesNotMatch(second.err, /\n\s+at /);
    first.child.kill('SIGINT');
    assert.equal(await first.exit, 0);
    assert.equal(json(path.join(out, 'summary.json')).state, 'stopped');
    const infos = fs.readFileSync(path.join(out, 'events.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"runInfo"'));
    assert.equal(infos.length, 1, 'one run recorded');
  });

  it('Ctrl-C stops cleanly: exit 0, summary "stopped", a checkpoint to resume from', async () => {
    const file = write('long.nn.json', { data: { source: 'moons' }, training: { epochs: 100000 } });
    const out = path.join(dir, 'run');
    const run = await startCli(['train', file, '--out', out, '--json'], /"type":"epoch"/);
    run.child.kill('SIGINT');
    assert.equal(await run.exit, 0);
    const summary = json(path.join(out, 'summary.json')) as { state: string; iterations: number };
    assert.equal(summary.state, 'stopped');
    const checkpoint = readCheckpointFile(path.join(out, 'checkpoints', 'latest.json'));
    assert.equal(checkpoint.iteration, summary.iterations);
  });

  it('an unwritable --out is a located user error (exit 2), no stack trace', () => {
    const file = write('m.nn.json', { data: { source: 'moons' }, training: { epochs: 1 } });
    fs.writeFileSync(path.join(dir, 'plain'), 'x');
    for (const out of [path.join(dir, 'plain', 'run'), path.join(dir, 'plain')]) {
      const r = cli(['train', file, '--out', out]);
      assert.equal(r.code, 2);
      assert.match(r.err, /^gradient-lab: cannot write the run folder at .*: not a directory/);
      assert.doesNotMatch(r.err, /internal error|\n\s+at /);
    }
  });
});
