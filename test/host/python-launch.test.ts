/** The host's side of an experiment that names a Python script: the engine block, argv (torchrun too) and finding the run folder by launch id. */
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { chooseInterpreter, findEngineFolder, findLaunchFolder, pythonArgv, pythonCrashOf, pythonEngineOf, pythonLaunchOf } from '../../src/extension/runs/python-script';
import { tempDir } from './helpers';

describe('host: an experiment naming a Python script', () => {
  it('reads the engine block (comments allowed) and resolves the script against the experiment folder', () => {
    const text = '{\n  // mine\n  "engine": {"python": "src/train.py", "args": ["--epochs", "3"], "torchrun": {"nprocPerNode": 2}},\n}';
    const engine = pythonEngineOf(text);
    assert.deepEqual(engine, { python: 'src/train.py', args: ['--epochs', '3'], torchrun: { nprocPerNode: 2 } });
    const launch = pythonLaunchOf('/w/exp/a.nn.json', engine!);
    assert.deepEqual(launch, { script: '/w/exp/src/train.py', args: ['--epochs', '3'], nprocPerNode: 2 });
    assert.deepEqual(pythonArgv(launch), ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2',
      '--redirects', '1:2', '--tee', '1:2', '/w/exp/src/train.py', '--epochs', '3']);
    assert.deepEqual(pythonArgv({ script: '/t.py', args: ['-v'] }), ['/t.py', '-v']);
  });

  it('is not a Python experiment without engine.python (or when the text is not JSON)', () => {
    assert.equal(pythonEngineOf('{"data": {"source": "moons"}}'), undefined);
    assert.equal(pythonEngineOf('{"engine": {"args": []}}'), undefined);
    assert.equal(pythonEngineOf('{"engine": '), undefined);
  });

  it('interpreter: the experiment\'s, else the setting the user set, else the Python extension\'s environment, else python3', () => {
    assert.equal(chooseInterpreter({ experiment: '/e/python', setting: '/s/python', pythonExtension: '/x/python' }), '/e/python');
    assert.equal(chooseInterpreter({ setting: '/s/python', pythonExtension: '/x/python' }), '/s/python');
    assert.equal(chooseInterpreter({ pythonExtension: '/x/python' }), '/x/python');
    assert.equal(chooseInterpreter({}), 'python3');
  });

  it('finds the folder of a script that already ended by the launch id in config.json, and its exception in events.jsonl', async () => {
    const tmp = tempDir('gl-launch-');
    try {
      const dir = path.join(tmp.dir, 'r');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ name: 'r', python: { script: '/t.py', launchId: 'k' } }));
      writeFileSync(path.join(dir, 'events.jsonl'), [
        { type: 'state', state: 'running' },
        { type: 'error', fatal: false, error: { code: 'usage', message: 'no batch' } },
        { type: 'error', fatal: true, error: { code: 'python', message: 'ValueError: x', file: '/t.py', line: 3, frames: [{ file: '/t.py', line: 3, name: '<module>' }] } },
      ].map((e) => JSON.stringify(e)).join('\n') + '\n{"type":"err');
      assert.equal(await findLaunchFolder(tmp.dir, 'k'), dir);
      assert.equal(await findLaunchFolder(tmp.dir, 'other'), null);
      assert.deepEqual(await pythonCrashOf(dir), { code: 'python', message: 'ValueError: x', file: '/t.py', line: 3, frames: [{ file: '/t.py', line: 3, name: '<module>' }] });
      assert.equal(await pythonCrashOf(tmp.dir), null);
    } finally {
      tmp.cleanup();
    }
  });

  it('finds the run folder by the launch id (rank 0 under torchrun is not the child), or by pid', async () => {
    const tmp = tempDir('gl-launch-');
    try {
      for (const [name, info] of [['a', { pid: 11, launchId: 'x' }], ['b', { pid: 12, launchId: 'y' }], ['c', { pid: 13 }]] as const) {
        mkdirSync(path.join(tmp.dir, name));
        writeFileSync(path.join(tmp.dir, name, 'engine.json'), JSON.stringify(info));
      }
      assert.equal(await findEngineFolder(tmp.dir, { launchId: 'y', pid: 99 }), path.join(tmp.dir, 'b'));
      assert.equal(await findEngineFolder(tmp.dir, { launchId: 'z', pid: 13 }), path.join(tmp.dir, 'c'));
      assert.equal(await findEngineFolder(tmp.dir, { launchId: 'z', pid: 99 }), null);
    } finally {
      tmp.cleanup();
    }
  });
});
