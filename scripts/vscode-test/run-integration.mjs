#!/usr/bin/env node
// Runs a compiled mocha suite inside the extension host of a real VS Code (code-server in headless
// Chromium): the equivalent of @vscode/test-electron's runTests() for a machine that cannot
// download desktop VS Code.
//
// usage: node scripts/vscode-test/run-integration.mjs --extension <abs ext root>
//          --tests <abs compiled suite index.js exporting run(): Promise<void>>
//          --workspace <abs dir> [--env '{"NAME":"value"}'] [--timeout ms] [--untrusted] [--keep] [--verbose]
//
// How: code-server ignores --extensionDevelopmentPath, but VS Code's smoke-test driver
// (`--vscode-option enable-smoke-test-driver`) reads extensionDevelopmentPath/extensionTestsPath
// from the page URL's `payload`, runs the suite, and reports through two page functions:
// codeAutomationLog(level, args) and codeAutomationExit(code, logs). Without the flag the
// payload is silently ignored and the run only ends at the timeout.
//
// Exit status: the suite's (0 = all passed); 1 on timeout or harness error; 130/143 on SIGINT/SIGTERM.
// Logs of every run (code-server, browser console, workbench logs) go to test-results/vscode-test-logs/.

import fs from 'node:fs';
import path from 'node:path';
import { format, parseArgs } from 'node:util';
import { assertInstalled, guardedRun, launchBrowser, makeTempDir, resultsDir, startCodeServer } from './lib.mjs';

const USAGE =
  'usage: run-integration.mjs --extension <abs dir> --tests <abs index.js> --workspace <abs dir> ' +
  "[--env '{\"K\":\"v\"}'] [--timeout ms] [--untrusted] [--keep] [--verbose]";

function fail(msg) {
  console.error(`[run-integration] ${msg}\n${USAGE}`);
  process.exit(1);
}

const { values: opts } = parseArgs({
  options: {
    extension: { type: 'string' },
    tests: { type: 'string' },
    workspace: { type: 'string' },
    env: { type: 'string' },
    timeout: { type: 'string', default: '300000' },
    untrusted: { type: 'boolean', default: false }, // open the workspace in Restricted Mode
    keep: { type: 'boolean', default: false }, // keep the temp user-data/profile dirs for debugging
    verbose: { type: 'boolean', default: false }, // echo code-server + browser console to stderr
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
for (const k of ['extension', 'tests', 'workspace']) {
  if (!opts[k]) fail(`--${k} is required`);
  // The paths become vscode-remote:// URIs resolved on the server; relative ones would resolve
  // against code-server's cwd (a temp dir), so insist on absolute paths.
  if (!path.isAbsolute(opts[k])) fail(`--${k} must be an absolute path: ${opts[k]}`);
  if (!fs.existsSync(opts[k])) fail(`--${k} does not exist: ${opts[k]}`);
}
if (!fs.existsSync(path.join(opts.extension, 'package.json'))) fail(`no package.json in ${opts.extension}`);
let extensionEnv = {};
if (opts.env) {
  try {
    extensionEnv = JSON.parse(opts.env);
  } catch (e) {
    fail(`--env is not JSON: ${e.message}`);
  }
  if (typeof extensionEnv !== 'object' || extensionEnv === null || Array.isArray(extensionEnv)) {
    fail('--env must be a JSON object of strings');
  }
}
const timeoutMs = Number(opts.timeout);
if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) fail(`bad --timeout: ${opts.timeout}`);

const log = (msg) => console.error(`[run-integration] ${msg}`);

// Workbench log lines that arrive through codeAutomationLog on every run and say nothing about
// the suite (connection setup; gallery/auth look-ups that fail offline by design). They are
// still written to automation.log; --verbose prints them too.
const WORKBENCH_NOISE = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket \(renderer-/,
  /^\[reconnection-grace-time\]/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^\[AgentHost:/,
  /^\[AccountPolicyGate\]/,
  /ENOTFOUND open-vsx\.org/,
  /authentication provider 'github'/, // github auth can't reach github.com offline
  /^Creation of workbench contribution '.*' took \d+ms/,
];

try {
  assertInstalled();
} catch (e) {
  log(e.message);
  process.exit(1);
}

const tmp = makeTempDir('gradient-lab-it-');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const logDir = path.join(resultsDir(), 'vscode-test-logs', `integration-${stamp}`);
fs.mkdirSync(logDir, { recursive: true });

void guardedRun({ name: 'run-integration', tmp, timeoutMs, keep: opts.keep }, async (track) => {
  const server = track.server(
    await startCodeServer({
      userDataDir: path.join(tmp, 'user-data'),
      extensionsDir: path.join(tmp, 'extensions'),
      homeDir: path.join(tmp, 'home'),
      extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
      untrusted: opts.untrusted,
      logFile: path.join(logDir, 'code-server.log'),
      echo: opts.verbose,
    }),
  );
  log(`code-server ${server.url} (pid ${server.pid}) up after ${track.elapsed()}s; logs in ${logDir}`);

  const authority = `127.0.0.1:${server.port}`;
  const remote = (p) => `vscode-remote://${authority}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(opts.extension)],
    ['extensionTestsPath', remote(opts.tests)],
  ];
  if (Object.keys(extensionEnv).length) payload.push(['extensionEnvironment', JSON.stringify(extensionEnv)]);
  const pageUrl =
    `${server.url}/?folder=${encodeURIComponent(opts.workspace)}` +
    `&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  const context = track.context(
    await launchBrowser(path.join(tmp, 'chromium-profile'), { homeDir: path.join(tmp, 'chromium-home') }),
  );
  const page = context.pages()[0] ?? (await context.newPage());

  const browserLog = fs.createWriteStream(path.join(logDir, 'browser-console.log'));
  page.on('console', (m) => {
    browserLog.write(`[${m.type()}] ${m.text()}\n`);
    if (opts.verbose) process.stderr.write(`[browser ${m.type()}] ${m.text()}\n`);
  });
  page.on('pageerror', (e) => browserLog.write(`[pageerror] ${e.stack ?? e}\n`));
  page.on('crash', () => void track.finish(1, 'the workbench page crashed'));

  let resolveExit;
  const exitCode = new Promise((r) => (resolveExit = r));
  // Both functions must be exposed before navigation: the workbench looks them up on window.
  const automationLog = fs.createWriteStream(path.join(logDir, 'automation.log'));
  await page.exposeFunction('codeAutomationLog', (level, args) => {
    // Both the workbench's own log and the extension host's console (mocha's reporter) arrive
    // here as console-style argument lists ('%s' format first), so util.format rebuilds the line.
    const text = format(...(Array.isArray(args) ? args : [args]));
    automationLog.write(`[${level}] ${text}\n`);
    if (!opts.verbose && WORKBENCH_NOISE.some((re) => re.test(text))) return;
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  });
  await page.exposeFunction('codeAutomationExit', (code, logs) => {
    // `logs`: the workbench's log files ({relativePath, contents}); keep them for post-mortems.
    for (const { relativePath, contents } of Array.isArray(logs) ? logs : []) {
      const file = path.join(logDir, 'workbench-logs', relativePath);
      if (!file.startsWith(logDir + path.sep)) continue;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, contents);
    }
    resolveExit(typeof code === 'number' ? code : 1);
  });

  await page.goto(pageUrl, { waitUntil: 'domcontentloaded', timeout: 60000 });
  log('workbench loading; suite output follows');
  const code = await exitCode;
  log(`suite finished with exit code ${code}`);
  return code;
});
