/**
 * Issue 15, the run folder under faults: file-system errors become one located user error (disk
 * full, read-only, not a directory) with the previous checkpoint intact and no temp file left; a
 * folder held by a live run or holding a finished one is refused.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
// The module object itself (the namespace import is read-only): what the engine's fs calls go through.
import fsModule from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCheckpointFile } from '../../../src/engine/run/checkpoint-file';
import { RunFolderError } from '../../../src/engine/run/fs-errors';
import { LOCK_FILE, writeFileAtomic } from '../../../src/engine/run/run-folder';
import { describeError, resumeSession, startSession } from '../../../src/engine/run/session';
import type { RunSink } from '../../../src/engine/train/trainer';

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'gl-fsfault-'));
const quiet: RunSink = { iteration: () => undefined, emit: () => undefined };
const config = (epochs = 30): Record<string, unknown> => ({
  name: 'fs', seed: 2, data: { source: 'moons', samples: 200 }, model: { hidden: [{ units: 4 }] },
  training: { epochs, batchSize: 16, backend: 'ts', optimizer: { type: 'adam', learningRate: 0.01 } },
});

/** Makes fs.writeSync fail with `code` while `failing()` is true (what a full disk or a remount does). */
function injectWriteFailure(code: string, failing: () => boolean): () => void {
  const original = fsModule.writeSync;
  const patched = ((...args: Parameters<typeof fs.writeSync>) => {
    if (failing()) throw Object.assign(new Error(`${code}: injected, write`), { code, errno: -28, syscall: 'write' });
    return (original as (...a: unknown[]) => number)(...args);
  }) as typeof fs.writeSync;
  fsModule.writeSync = patched;
  return () => { fsModule.writeSync = original; };
}

describe('faults: run folder file-system errors', function () {
  this.timeout(60000);

  for (const [code, words] of [['ENOSPC', 'disk full'], ['EROFS', 'read-only file system'], ['EDQUOT', 'disk quota exceeded']] as const) {
    it(`${code} mid-run: "${words}" naming the folder, the previous checkpoint intact, no temp file`, async () => {
      const dir = tempDir();
      let fail = false;
      const session = await startSession({ config: config(), runDir: dir, onDiverge: 'end' }, {
        iteration: (i) => {
          if (i === 10) session.trainer.command({ type: 'checkpoint' });
          if (i === 20) {
            fail = true;
            session.trainer.command({ type: 'checkpoint' });
          }
        },
        emit: () => undefined,
      });
      const restore = injectWriteFailure(code, () => fail);
      let error: unknown;
      try {
        await session.trainer.run();
      } catch (e) {
        error = e;
        session.trainer.crash('write failed');
      } finally {
        restore();
      }
      assert.ok(error instanceof RunFolderError, String(error));
      assert.equal(error.message, `cannot write the run folder at ${dir}: ${words}`);
      const info = describeError(error);
      assert.equal(info.code, 'io');
      assert.doesNotMatch(info.message, /\n\s+at /, 'no stack trace');
      session.folder.close();
      const checkpoint = readCheckpointFile(path.join(dir, 'checkpoints', 'latest.json'));
      assert.equal(checkpoint.iteration, 10);
      const leftovers = [...fs.readdirSync(dir), ...fs.readdirSync(path.join(dir, 'checkpoints'))].filter((f) => f.endsWith('.tmp'));
      assert.deepEqual(leftovers, []);
      assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)), 'the lock is released');
      // Space is back: the run resumes from the intact checkpoint.
      const resumed = await resumeSession(dir, quiet);
      const summary = await resumed.trainer.run();
      resumed.folder.close();
      assert.equal(summary.state, 'finished');
    });
  }

  it('in the extension (onDiverge "pause") a full disk pauses the run; after room is made, Resume writes everything held, bit for bit', async () => {
    const full = tempDir();
    const whole = await startSession({ config: config(), runDir: full }, quiet);
    await whole.trainer.run();
    whole.folder.close();

    const dir = tempDir();
    let fail = false;
    const events: { type: string; state?: string; error?: { code: string; message: string } }[] = [];
    const session = await startSession({ config: config(), runDir: dir }, {
      iteration: (i) => { if (i === 20) fail = true; },
      emit: (e) => { events.push(e as (typeof events)[number]); },
    });
    const restore = injectWriteFailure('ENOSPC', () => fail);
    let summary;
    try {
      const done = session.trainer.run();
      for (let i = 0; i < 2000 && !events.some((e) => e.type === 'state' && e.state === 'paused'); i++) await new Promise((r) => setTimeout(r, 5));
      const error = events.find((e) => e.type === 'error');
      assert.equal(error?.error?.code, 'io');
      assert.match(error!.error!.message, /cannot write the run folder at .*: disk full\. The run paused/);
      fail = false; // room again
      session.trainer.command({ type: 'resume' });
      summary = await done;
    } finally {
      restore();
    }
    session.folder.close();
    assert.equal(summary.state, 'finished');
    assert.equal(fs.readFileSync(path.join(dir, 'costs.f64')).toString('hex'), fs.readFileSync(path.join(full, 'costs.f64')).toString('hex'));
    assert.equal(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8'), fs.readFileSync(path.join(full, 'metrics.jsonl'), 'utf8'));
  });

  it('writeFileAtomic keeps the old file and removes its temp file when the write fails', () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.json');
    writeFileAtomic(file, 'old');
    const restore = injectWriteFailure('ENOSPC', () => true);
    try {
      assert.throws(() => writeFileAtomic(file, 'new'), /ENOSPC/);
    } finally {
      restore();
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'old');
    assert.deepEqual(fs.readdirSync(dir), ['x.json']);
  });

  it('--out under a file, or an existing file: "not a directory"', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    await assert.rejects(startSession({ config: config(), runDir: path.join(file, 'run') }, quiet),
      (e: unknown) => e instanceof RunFolderError && /^cannot write the run folder at .*a-file.run: not a directory/.test(e.message));
    await assert.rejects(startSession({ config: config(), runDir: file }, quiet),
      (e: unknown) => e instanceof RunFolderError && /not a directory/.test(e.message));
    await assert.rejects(startSession({ config: config(), runsDir: file }, quiet),
      (e: unknown) => e instanceof RunFolderError && /not a directory/.test(e.message));
  });
});

describe('faults: run folder lock', function () {
  this.timeout(60000);

  it('a folder held by a live engine is refused; once that process is gone its lock is stale and taken over', async () => {
    const dir = tempDir();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(path.join(dir, LOCK_FILE), String(holder.pid));
      await assert.rejects(startSession({ config: config(2), runDir: dir }, quiet),
        (e: unknown) => e instanceof RunFolderError && e.message.includes(`in use by another run (engine process ${holder.pid})`));
      assert.deepEqual(fs.readdirSync(dir).sort(), ['checkpoints', LOCK_FILE].sort(), 'nothing written into the held folder');
    } finally {
      holder.kill();
    }
    await new Promise((r) => holder.once('exit', r));
    const session = await startSession({ config: config(2), runDir: dir }, quiet);
    await session.trainer.run();
    session.folder.close();
    assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)));
  });

  it('a new run into a finished run\'s folder is refused and leaves its records alone', async () => {
    const dir = tempDir();
    const first = await startSession({ config: config(2), runDir: dir }, quiet);
    await first.trainer.run();
    first.folder.close();
    const before = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
    await assert.rejects(startSession({ config: config(2), runDir: dir }, quiet),
      (e: unknown) => e instanceof RunFolderError && /already holds a finished run/.test(e.message));
    assert.equal(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8'), before);
    assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)));
  });
});
