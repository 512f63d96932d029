#!/usr/bin/env node
// `npm run test:vscode`: builds the extension and the suite, makes a fresh workspace from
// test/vscode/fixtures/workspace, and runs test/vscode/suite inside a real VS Code (code-server in
// headless Chromium) with the harness in scripts/vscode-test/. Exit status: the suite's.
//   node test/vscode/run.mjs [--verbose] [--keep] [--timeout ms] [--env '{"GRADIENT_LAB_ONLY":"search"}']
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const step = (what, cmd, cmdArgs) => {
  const t0 = Date.now();
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[test:vscode] ${what} failed (${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  console.error(`[test:vscode] ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
};

step('harness setup', 'bash', [path.join(root, 'scripts/vscode-test/setup.sh')]);
step('build', process.execPath, [path.join(root, 'scripts/build.mjs')]);
step('compile suite', process.execPath, [path.join(root, 'test/vscode/build.mjs')]);

const keep = args.includes('--keep');
// `--env '{…}'` is the caller's; each pass adds its own to it (the harness takes one --env, the last).
const envAt = args.indexOf('--env');
const callerEnv = envAt >= 0 ? JSON.parse(args[envAt + 1]) : {};
const passArgs = envAt >= 0 ? [...args.slice(0, envAt), ...args.slice(envAt + 2)] : args;

/** One pass of the suite in a fresh copy of the fixture workspace, with `env` added; resolves with its exit status. */
function pass(name, extraArgs, env, prepare = () => undefined) {
  const workspace = mkdtempSync(path.join(tmpdir(), 'gradient-lab-ws-'));
  cpSync(path.join(root, 'test/vscode/fixtures/workspace'), workspace, { recursive: true });
  prepare(workspace);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [
    path.join(root, 'scripts/vscode-test/run-integration.mjs'),
    '--extension', root,
    '--tests', path.join(root, 'out/test/vscode/suite/index.js'),
    '--workspace', workspace,
    ...extraArgs,
    '--env', JSON.stringify({ ...callerEnv, ...env }),
    ...passArgs,
  ], { cwd: root, stdio: 'inherit' });
  console.error(`[test:vscode] ${name} in VS Code: ${((Date.now() - t0) / 1000).toFixed(1)} s, exit ${r.status ?? r.signal}`);
  if (!keep) rmSync(workspace, { recursive: true, force: true });
  else console.error(`[test:vscode] workspace kept: ${workspace}`);
  return r.status ?? 1;
}

const status = pass('suite', [], {});
if (status !== 0) process.exit(status);
// Restricted Mode: the same workspace untrusted, with a runs folder setting that must be ignored.
process.exit(pass('Restricted Mode suite', ['--untrusted'], { GRADIENT_LAB_SUITE: 'restricted' }, (workspace) => {
  mkdirSync(path.join(workspace, '.vscode'));
  writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'gradientLab.runsFolder': 'not-trusted-runs' }));
}));
