/**
 * The checkpoint file (JSON header + raw little-endian tensors): exact round trip in float32 and
 * float64, atomic replacement that never leaves a header without its tensors, and resuming from a
 * version 1 (all-JSON) checkpoint of an older run folder.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Checkpoint } from '../../src/engine/run/checkpoint';
import { readCheckpointFile, writeCheckpointFile } from '../../src/engine/run/checkpoint-file';
import { resumeSession, startSession } from '../../src/engine/run/session';
import type { RunSink } from '../../src/engine/train/trainer';

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'gl-ckpt-'));

function checkpoint(params: number[], slot: number[], iteration = 7): Checkpoint {
  return {
    format: 'gradient-lab-checkpoint', version: 1, name: 't', iteration, epoch: 1, batchInEpoch: 0, permutation: null,
    model: { params: [{ name: 'W1', block: 1, shape: [4, params.length / 4], data: params }, { name: 'b1', block: 1, shape: [1, 2], data: [0.5, -0.25] }], running: [] },
    optimizer: { type: 'adam', step: 3, slots: { m: [slot], v: [slot.map((x) => x * x)] } },
    rng: { shuffle: [1, 2, 3, 4], dropout: [5, 6, 7, 8], augment: [9, 10, 11, 12] },
    learningRate: { base: 0.1, current: 0.1 }, earlyStopping: { best: null, bestEpoch: 0, wait: 0 }, best: null,
    testLooks: 0, gradChecks: 0, savedAt: '2026-01-01T00:00:00.000Z',
  };
}

const silent: RunSink = { iteration: () => undefined, emit: () => undefined };

describe('checkpoint file', () => {
  it('round-trips float32 and float64 tensors bit for bit (NaN, ±Infinity, −0 included), scalars in a JSON header', () => {
    const dir = tempDir();
    const f32 = Array.from({ length: 32 }, (_, i) => Math.fround(Math.sin(i) * 1e-3));
    f32[3] = -0;
    f32[4] = Number.NaN;
    f32[5] = Number.POSITIVE_INFINITY;
    const f64 = Array.from({ length: 20 }, (_, i) => Math.cos(i) / 3); // not float32-exact
    f64[1] = Number.NEGATIVE_INFINITY;
    const c = checkpoint(f32, f64);
    const file = writeCheckpointFile(dir, 'latest', c);
    assert.equal(file, path.join(dir, 'latest.json'));
    const header = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: number; iteration: number; tensors: { list: { dtype: string }[] } };
    assert.equal(header.version, 2);
    assert.equal(header.iteration, 7);
    assert.deepEqual(header.tensors.list.map((t) => t.dtype), ['f32', 'f64', 'f64']);
    const back = readCheckpointFile(file);
    assert.ok(Object.is(back.model.params[0].data[3], -0));
    assert.deepEqual(back, c);
  });

  it('a new checkpoint replaces the old one and removes its tensor file; a failed write leaves the old one whole', () => {
    const dir = tempDir();
    const a = checkpoint(Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 16 }, () => 1), 1);
    const b = checkpoint(Array.from({ length: 16 }, (_, i) => -i), Array.from({ length: 16 }, () => 2), 2);
    writeCheckpointFile(dir, 'latest', a);
    writeCheckpointFile(dir, 'best', a);
    writeCheckpointFile(dir, 'latest', b);
    const files = fs.readdirSync(dir).sort();
    assert.equal(files.length, 4, files.join(', '));
    assert.equal(files.filter((f) => f.startsWith('latest-') && f.endsWith('.tensors')).length, 1);
    assert.deepEqual(readCheckpointFile(path.join(dir, 'latest.json')), b);
    assert.deepEqual(readCheckpointFile(path.join(dir, 'best.json')), a);

    // The header cannot be written (its temp path is taken by a directory): nothing changes.
    fs.mkdirSync(path.join(dir, `latest.json.${process.pid}.tmp`));
    assert.throws(() => writeCheckpointFile(dir, 'latest', a));
    fs.rmdirSync(path.join(dir, `latest.json.${process.pid}.tmp`));
    assert.deepEqual(fs.readdirSync(dir).sort(), files);
    assert.deepEqual(readCheckpointFile(path.join(dir, 'latest.json')), b);
  });

  it('says which file is wrong when the tensor file is missing or cut short', () => {
    const dir = tempDir();
    writeCheckpointFile(dir, 'latest', checkpoint(Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 16 }, () => 1)));
    const tensors = fs.readdirSync(dir).find((f) => f.endsWith('.tensors'))!;
    fs.truncateSync(path.join(dir, tensors), 10);
    assert.throws(() => readCheckpointFile(path.join(dir, 'latest.json')), /truncated/);
    fs.rmSync(path.join(dir, tensors));
    assert.throws(() => readCheckpointFile(path.join(dir, 'latest.json')), new RegExp(`${tensors} is missing`));
    fs.writeFileSync(path.join(dir, 'latest.json'), '{"format": "gradient-lab-checkpoint", ');
    assert.throws(() => readCheckpointFile(path.join(dir, 'latest.json')), /latest\.json: not a Gradient Lab checkpoint/);
  });

  it('resumes a run folder whose checkpoint is an old all-JSON (version 1) file, bit for bit', async () => {
    const json = {
      name: 'old-ckpt', seed: 5, data: { source: 'moons', samples: 200, noise: 0.2 },
      model: { hidden: [{ units: 16 }, { units: 8, activation: 'tanh' }] },
      training: { epochs: 6, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, backend: 'ts', checkpointEvery: 3 },
    };
    const fullDir = tempDir();
    const full = await startSession({ config: json, runDir: fullDir }, silent);
    await full.trainer.run();
    full.folder.close();

    const dir = tempDir();
    const first = await startSession({ config: { ...json, training: { ...json.training, epochs: 3 } }, runDir: dir }, silent);
    await first.trainer.run();
    first.folder.close();
    // What an older engine wrote: the whole checkpoint as one JSON document, no tensor file.
    const ckpts = path.join(dir, 'checkpoints');
    const cp = readCheckpointFile(path.join(ckpts, 'latest.json'));
    for (const f of fs.readdirSync(ckpts)) fs.rmSync(path.join(ckpts, f));
    fs.writeFileSync(path.join(ckpts, 'latest.json'), JSON.stringify(cp));
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { training: { epochs: number } };
    config.training.epochs = 6;
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));

    const resumed = await resumeSession(dir, silent);
    const summary = await resumed.trainer.run();
    resumed.folder.close();
    assert.equal(summary.epochs, 6);
    const bytes = (d: string): string => fs.readFileSync(path.join(d, 'costs.f64')).toString('hex');
    assert.equal(bytes(dir), bytes(fullDir));
    assert.equal(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'), fs.readFileSync(path.join(fullDir, 'model.json'), 'utf8'));
    assert.equal(JSON.parse(fs.readFileSync(path.join(ckpts, 'latest.json'), 'utf8')).version, 2, 'rewritten in the new format');
  });
});

describe('checkpoint file with typed tensors', () => {
  it('stores typed arrays of any length as tensors (float32 stays float32) and reads them back as the same numbers', () => {
    const dir = tempDir();
    const c = checkpoint(Array.from({ length: 16 }, (_, i) => i / 3), Array.from({ length: 16 }, () => 1));
    const small = Float32Array.from([Number.NaN, 0.1, -2]);
    const big = Float64Array.from({ length: 40 }, (_, i) => Math.sqrt(i));
    c.model.params[1].data = small;
    c.model.params[0].data = big;
    const back = readCheckpointFile(writeCheckpointFile(dir, 'latest', c));
    assert.deepEqual(back.model.params[1].data, Array.from(small));
    assert.deepEqual(back.model.params[0].data, Array.from(big));
  });
});

describe('checkpoint file, WebAssembly backend (float32 tensors)', function () {
  this.timeout(60000);

  it('a run resumed from its checkpoint continues bit for bit, the tensors stored as float32', async function () {
    const json = {
      name: 'wasm-ckpt', seed: 9, data: { source: 'moons', samples: 200, noise: 0.2 },
      model: { hidden: [{ units: 16, batchNorm: true }, { units: 8, activation: 'tanh', keepProb: 0.9 }] },
      training: { epochs: 6, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, backend: 'wasm', threads: 1, checkpointEvery: 3 },
    };
    const fullDir = tempDir();
    let full;
    try {
      full = await startSession({ config: json, runDir: fullDir }, silent);
    } catch (e) {
      if (/not available/.test(String(e))) this.skip();
      throw e;
    }
    await full.trainer.run();
    full.folder.close();
    full.setup.backend.dispose();

    const dir = tempDir();
    const first = await startSession({ config: { ...json, training: { ...json.training, epochs: 3 } }, runDir: dir }, silent);
    await first.trainer.run();
    first.folder.close();
    first.setup.backend.dispose();
    const header = JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints', 'latest.json'), 'utf8')) as { tensors: { list: { dtype: string }[] } };
    assert.ok(header.tensors.list.length > 0 && header.tensors.list.every((t) => t.dtype === 'f32'), 'float32 tensors');
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { training: { epochs: number } };
    config.training.epochs = 6;
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    const resumed = await resumeSession(dir, silent);
    await resumed.trainer.run();
    resumed.folder.close();
    resumed.setup.backend.dispose();
    const bytes = (d: string): string => fs.readFileSync(path.join(d, 'costs.f64')).toString('hex');
    assert.equal(bytes(dir), bytes(fullDir));
    assert.equal(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8'), fs.readFileSync(path.join(fullDir, 'metrics.jsonl'), 'utf8'));
    assert.equal(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'), fs.readFileSync(path.join(fullDir, 'model.json'), 'utf8'));
  });
});
