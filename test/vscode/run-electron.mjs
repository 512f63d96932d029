#!/usr/bin/env node
// The same integration suite through @vscode/test-electron (the ecosystem's standard runner), for
// machines that can download desktop VS Code. Here (no network) use `npm run test:vscode` instead,
// which runs the suite in code-server. usage: node test/vscode/run-electron.mjs [--version 1.90.0]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const vIdx = process.argv.indexOf('--version');
const version = vIdx > 0 ? process.argv[vIdx + 1] : 'stable';
for (const script of ['scripts/build.mjs', 'test/vscode/build.mjs']) {
  const r = spawnSync(process.execPath, [path.join(root, script)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
}
const workspace = mkdtempSync(path.join(tmpdir(), 'gradient-lab-ws-'));
cpSync(path.join(root, 'test/vscode/fixtures/workspace'), workspace, { recursive: true });
let code = 0;
try {
  await runTests({
    version,
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/vscode/suite/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
} catch (err) {
  console.error(`[test:vscode:electron] ${err instanceof Error ? err.message : err}`);
  code = 1;
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
process.exit(code);
