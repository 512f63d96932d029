#!/usr/bin/env node
// One command that proves the harness works end to end (run after setup.sh):
//   1. run-integration on the selftest suite          -> must exit 0
//   2. the same with FAIL=1 (an intentionally failing test) -> must exit non-zero
//   3. the e2e UI selftest                            -> must exit 0
//   4. no code-server / chromium process of ours may be left running.
// Prints a timing per step; exit status 0 only when all four hold.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { leftoverProcesses, makeTempDir, paths } from '../lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RUN_INTEGRATION = path.join(HERE, '..', 'run-integration.mjs');
const workspace = makeTempDir('gradient-lab-selftest-ws-');

function step(name, args, expectZero) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const ok = expectZero ? r.status === 0 : r.status !== 0 && r.status !== null;
  console.log(`\n=== ${ok ? 'OK  ' : 'FAIL'} ${name}: exit ${r.status ?? r.signal} in ${secs}s\n`);
  return ok;
}

const integration = (env) => [
  RUN_INTEGRATION,
  '--extension', path.join(HERE, 'extension'),
  '--tests', path.join(HERE, 'suite', 'index.js'),
  '--workspace', workspace,
  '--env', JSON.stringify(env),
  '--timeout', '180000',
];

const results = [
  step('integration (expect pass)', integration({ HARNESS_SELFTEST: 'on' }), true),
  step('integration with FAIL=1 (expect non-zero)', integration({ HARNESS_SELFTEST: 'on', FAIL: '1' }), false),
  step('e2e UI', [path.join(HERE, 'e2e.mjs')], true),
];

// Our processes carry the code-server cache path or one of our temp-dir prefixes in their
// command line (another session's code-server from the same cache would also match).
const left = [paths().cacheDir, 'gradient-lab-it-', 'gradient-lab-e2e-'].flatMap((m) => leftoverProcesses(m));
const noOrphans = left.length === 0;
console.log(noOrphans ? '=== OK   no leftover processes' : `=== FAIL leftover processes:\n${left.join('\n')}`);

fs.rmSync(workspace, { recursive: true, force: true });
process.exit(results.every(Boolean) && noOrphans ? 0 : 1);
