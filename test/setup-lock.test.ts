/**
 * scripts/vscode-test/setup.sh runs one at a time: two at once on a fresh machine broke each
 * other's code-server build. A setup that finds the lock held waits, before touching apt or the
 * cache.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const SETUP = path.join(__dirname, '..', 'scripts', 'vscode-test', 'setup.sh');
const hasFlock = spawnSync('sh', ['-c', 'command -v flock']).status === 0;

describe('scripts/vscode-test/setup.sh', () => {
  (hasFlock ? it : it.skip)('waits while another setup holds the lock, touching nothing', async () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'gl-setup-lock-'));
    const holder = spawn('flock', [path.join(cache, '.setup.lock'), 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const setup = spawn('bash', [SETUP], { env: { ...process.env, GRADIENT_LAB_CACHE: cache }, stdio: 'ignore', detached: true });
      let exited = false;
      setup.on('exit', () => { exited = true; });
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(exited, false, 'the second setup waits for the first');
      assert.deepEqual(readdirSync(cache), ['.setup.lock'], 'nothing installed meanwhile');
      process.kill(-setup.pid!, 'SIGKILL');
    } finally {
      holder.kill('SIGKILL');
      rmSync(cache, { recursive: true, force: true });
    }
    assert.ok(!existsSync(cache));
  });
});
