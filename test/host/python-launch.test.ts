/** The host's side of an experiment that names a Python script: the engine block, argv (torchrun too) and finding the run folder by launch id. */
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { findEngineFolder, pythonArgv, pythonEngineOf, pythonLaunchOf } from '../../src/extension/runs/python-script';
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
