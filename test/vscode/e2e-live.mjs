#!/usr/bin/env node
// The live path at the engine's real rate, in a real VS Code (code-server + headless Chromium):
// moons with 12,000 samples, batch 8 (a 337-parameter net, tens of thousands of iterations per
// second), once on an idle machine and once with a CPU hog on both cores. Measures, as a person
// would see them: Start → first cost point drawn; how far the dashboard's iteration lags the
// engine's; click → shown for Pause, Resume, Step, Set LR, Gradient check, Evaluate test (dialog)
// and Stop (and click → engine for Pause, from events.jsonl); "Extension host is unresponsive"
// in the browser console; Reload Window mid-run → dashboard drawn with its history, run still
// training; the run folder's size; the extension host's RSS. Prints a table; asserts only what is
// robust on a loaded CI machine (dashboard within 2 s of the engine, controls shown within 2 s,
// no unresponsive host, a reload neither stops the run nor loses its history).
//
// usage: node test/vscode/e2e-live.mjs [--vsix gradient-lab.vsix] [--keep] [--no-assert] [--seconds N]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  assertInstalled, guardedRun, installVsix, makeTempDir, openWorkbench, quickOpen, resultsDir, runCommandFromPalette,
  screenshot, webviewFrame,
} from '../../scripts/vscode-test/lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: opts } = parseArgs({
  options: {
    vsix: { type: 'string', default: path.join(root, 'gradient-lab.vsix') },
    timeout: { type: 'string', default: '420000' },
    keep: { type: 'boolean', default: false },
    'no-assert': { type: 'boolean', default: false },
    seconds: { type: 'string', default: '6' },
  },
});
const SAMPLE_SECONDS = Number(opts.seconds);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

assertInstalled();
if (!fs.existsSync(opts.vsix)) {
  console.error(`[e2e-live] ${opts.vsix} not found: run npm run package first`);
  process.exit(1);
}
const tmp = makeTempDir('gradient-lab-e2e-live-');

/** Busy-looping children on every core (nice 0, like the engine): a machine with other work. */
function startHog(cores = 2) {
  const kids = [];
  for (let i = 0; i < cores; i++) {
    kids.push(spawn(process.execPath, ['-e', 'for(;;){}', tmp], { stdio: 'ignore' }));
  }
  return () => kids.forEach((k) => k.kill('SIGKILL'));
}

function percentile(xs, p) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** The engine's own iteration, from its run folder (binary cost column, or the last metrics line). */
function engineIteration(runDir) {
  const bin = path.join(runDir, 'costs.f64');
  if (fs.existsSync(bin)) return Math.floor(fs.statSync(bin).size / 8);
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return 0;
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  const len = Math.min(size, 65536);
  const buf = Buffer.alloc(len);
  fs.readSync(fd, buf, 0, len, size - len);
  fs.closeSync(fd);
  const lines = buf.toString('utf8').split('\n').reverse();
  for (const l of lines) {
    const m = /"kind":"iter","iteration":(\d+)/.exec(l);
    if (m) return Number(m[1]);
  }
  return 0;
}

function events(runDir) {
  const file = path.join(runDir, 'events.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((l) => {
    try {
      return [JSON.parse(l)];
    } catch {
      return [];
    }
  });
}

/**
 * When the extension host last activated Gradient Lab (ms since the epoch), from the newest
 * extension host log: splits a reload's restore into the workbench's part and ours.
 */
function lastActivation(userDataDir) {
  const logs = path.join(userDataDir, 'logs');
  if (!fs.existsSync(logs)) return null;
  const files = [];
  for (const session of fs.readdirSync(logs)) {
    const dir = path.join(logs, session);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const host of fs.readdirSync(dir)) {
      const f = path.join(dir, host, 'remoteexthost.log');
      if (host.startsWith('exthost') && fs.existsSync(f)) files.push(f);
    }
  }
  let last = null;
  for (const f of files) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) .*_doActivateExtension gradient-lab\.gradient-lab/.exec(line);
      if (m) last = Math.max(last ?? 0, new Date(`${m[1]}T${m[2]}`).getTime());
    }
  }
  return last;
}

function folderBytes(dir) {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? folderBytes(p) : fs.statSync(p).size;
  }
  return total;
}

/** RSS (MB) of the extension host of this test's code-server. */
function extensionHostRss() {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmd.includes('extensionHost') && !cmd.includes('type=extensionHost')) continue;
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (!env.includes(tmp)) continue;
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+) kB/.exec(status);
      if (m) return Math.round(Number(m[1]) / 1024);
    } catch {
      /* raced with exit */
    }
  }
  return NaN;
}

const results = [];
const record = (scenario, measure, value, unit = 'ms') => {
  results.push({ scenario, measure, value, unit });
  console.error(`[e2e-live] ${scenario}: ${measure} = ${typeof value === 'number' ? Math.round(value * 10) / 10 : value} ${unit}`);
};
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
};

void guardedRun({ name: 'e2e-live', tmp, timeoutMs: Number(opts.timeout), keep: opts.keep }, async (track) => {
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  await installVsix(opts.vsix, { userDataDir, extensionsDir });

  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace);
  const base = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'moons.nn.json'), 'utf8'));
  for (const name of ['idle', 'hog']) {
    const config = structuredClone(base);
    config.name = `live-${name}`;
    config.data.samples = 12000;
    config.training.batchSize = 8;
    // Long enough to outlast each scenario at any engine speed (the scenario stops it): 2,000 epochs
    // ran out at 83k it/s (≈ 22 s) before the Pause loop began, and the Pause button was gone.
    config.training.epochs = 50000;
    fs.writeFileSync(path.join(workspace, `live-${name}.nn.json`), JSON.stringify(config, null, 2) + '\n');
  }
  const runsDir = path.join(workspace, '.gradient-lab', 'runs');

  const { page } = await openWorkbench(track, {
    tmp, userDataDir, extensionsDir, workspace,
    settings: { 'workbench.colorTheme': 'Default Dark Modern', 'editor.minimap.enabled': false },
  });
  const unresponsive = [];
  let reloadSpan = null;
  page.on('console', (msg) => {
    if (/unresponsive/i.test(msg.text())) unresponsive.push({ at: Date.now(), text: `${new Date().toISOString()} ${msg.text().slice(0, 200)}` });
  });
  /** The extension host's RSS before the first run (taken once its CodeLens shows it is up). */
  let rssBaseline = NaN;

  const frame = webviewFrame(page);
  const body = frame.locator('body');
  const attr = async (name) => body.getAttribute(name, { timeout: 5000 }).catch(() => null);
  const dashIteration = async () => Number(await attr('data-iteration')) || 0;
  /** Polls `cond` every 10 ms; returns ms from `since` until it held (Infinity on timeout). */
  const waitFor = async (cond, since, timeout = 20000) => {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      if (await cond()) return Date.now() - since;
      await sleep(10);
    }
    return Infinity;
  };
  const stateIs = (s) => async () => (await attr('data-state')) === s;
  /**
   * A person's click: the mouse at the button's centre (its box looked up first, so Playwright's
   * actionability waits are not inside the measured time).
   */
  const clickButton = async (selector) => {
    const box = await frame.locator(selector).boundingBox({ timeout: 5000 });
    const t = Date.now();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    return t;
  };
  /** The page's own click → state drawn (its clock, webview/panels/controls.ts and main.ts), and the click's time. */
  const inPage = async () => body.evaluate((b) => ({
    clickedAt: Number(b.dataset.controlClickedAt), shownAt: Number(b.dataset.stateShownAt),
  }));

  const runScenario = async (name) => {
    const dirsBefore = new Set(fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : []);
    await quickOpen(page, `live-${name}.nn.json`);
    await page.locator('.codelens-decoration', { hasText: 'Train' }).first().waitFor({ timeout: 60000 });
    if (Number.isNaN(rssBaseline)) rssBaseline = extensionHostRss();
    await runCommandFromPalette(page, 'Gradient Lab: Start Training');
    const tStart = Date.now();
    const firstPoint = await waitFor(async () => Number(await attr('data-points')) > 0, tStart, 60000);
    record(name, 'Start → first cost point drawn', firstPoint);
    const marks = await body.evaluate((b) => ({
      ready: Number(b.dataset.readyAt), snapshot: Number(b.dataset.snapshotAt), drawn: Number(b.dataset.historyDrawnAt),
    })).catch(() => null);
    if (marks) {
      record(name, 'start: command → dashboard page ready', marks.ready - tStart);
      record(name, 'start: page ready → snapshot', marks.snapshot - marks.ready);
      record(name, 'start: snapshot → first point drawn', marks.drawn - marks.snapshot);
    }
    check(firstPoint < 30000, `${name}: no cost point within 30 s`);
    const runDir = path.join(runsDir, fs.readdirSync(runsDir).find((d) => !dirsBefore.has(d)));
    await waitFor(stateIs('running'), Date.now(), 20000);

    // Lag: the engine's iteration (its run folder, sampled every 20 ms here) against what the
    // dashboard shows, both at the moment the page is read (its own clock, inside the same call):
    // the harness's round trip to a starved page is not counted as the dashboard's lag.
    const engineTrack = [];
    const sampler = setInterval(() => engineTrack.push({ t: Date.now(), it: engineIteration(runDir) }), 20);
    const engineAt = (t) => {
      const k = engineTrack.findIndex((e) => e.t >= t);
      if (k <= 0) return (k === 0 ? engineTrack[0] : engineTrack.at(-1)).it;
      const a = engineTrack[k - 1];
      const b = engineTrack[k];
      return a.it + ((b.it - a.it) * (t - a.t)) / Math.max(1, b.t - a.t);
    };
    const samples = [];
    const renderMs = [];
    const t0 = Date.now();
    try {
      while (Date.now() - t0 < SAMPLE_SECONDS * 1000) {
        const shown = await body.evaluate((b) => ({ it: Number(b.dataset.iteration) || 0, at: performance.timeOrigin + performance.now() }))
          .catch(() => null);
        if (shown) samples.push({ t: shown.at, dash: shown.it });
        const ms = Number(await frame.locator('#app').getAttribute('data-render-ms', { timeout: 2000 }).catch(() => null));
        if (Number.isFinite(ms) && ms > 0) renderMs.push(ms);
        await sleep(250);
      }
      await sleep(100);
    } finally {
      clearInterval(sampler);
    }
    for (const s of samples) s.eng = engineAt(s.t);
    record(name, 'dashboard render time (median / max)', `${percentile(renderMs, 50)} / ${Math.max(...renderMs, 0)}`, 'ms');
    const rate = (engineTrack.at(-1).it - engineTrack[0].it) / ((engineTrack.at(-1).t - engineTrack[0].t) / 1000);
    const lags = samples.map((s) => Math.max(0, s.eng - s.dash) / Math.max(rate, 1));
    record(name, 'engine iterations per second', rate, 'it/s');
    record(name, 'dashboard behind the engine (max)', Math.max(...lags), 's');
    record(name, 'dashboard behind the engine (median)', percentile(lags, 50), 's');
    check(Math.max(...lags) <= 2, `${name}: dashboard fell ${Math.max(...lags).toFixed(2)} s behind the engine`);
    // 9,600 training rows: the epochs' train numbers come from a fixed sample (diagnostics.trainEvalRows), and the card says so.
    const trainNote = await frame.locator('#verdict .bar-note').filter({ hasText: /row sample/ }).first()
      .innerText({ timeout: 10000 }).catch(() => '');
    check(/^2,400-row sample$/.test(trainNote), `${name}: the bias/variance card's Train bar says its sample ("${trainNote}")`);

    // Pause / Resume, several times: click → shown, and click → engine paused (events.jsonl).
    // Measured twice: in the page (the browser's click time → Paused drawn) and from outside
    // (Playwright polling the attribute, which adds its own round trips under load).
    const pauseShown = [];
    const pausePage = [];
    const pauseEngine = [];
    const resumeShown = [];
    const resumePage = [];
    for (let k = 0; k < 10; k++) {
      const tClick = await clickButton('#btn-pause');
      pauseShown.push(await waitFor(stateIs('paused'), tClick));
      const p = await inPage();
      if (p.shownAt >= p.clickedAt) pausePage.push(p.shownAt - p.clickedAt);
      await sleep(150);
      const paused = events(runDir).filter((e) => e.type === 'state' && e.state === 'paused').at(-1);
      if (paused?.time && Number.isFinite(p.clickedAt)) pauseEngine.push(Date.parse(paused.time) - p.clickedAt);
      const tResume = await clickButton('#btn-resume');
      resumeShown.push(await waitFor(stateIs('running'), tResume));
      const r = await inPage();
      if (r.shownAt >= r.clickedAt) resumePage.push(r.shownAt - r.clickedAt);
      await sleep(400 + 200 * Math.random());
    }
    const fmt = (xs) => `${Math.round(percentile(xs, 50))} / ${Math.round(percentile(xs, 95))} (n=${xs.length})`;
    record(name, 'Pause click → Paused drawn, in the page (median / p95)', fmt(pausePage), 'ms');
    record(name, 'Pause click → engine paused (median / p95)', fmt(pauseEngine), 'ms');
    record(name, 'Pause click → Paused seen by the harness (median / p95)', fmt(pauseShown), 'ms');
    record(name, 'Resume click → Running drawn, in the page (median / p95)', fmt(resumePage), 'ms');
    record(name, 'Resume click → seen by the harness (median / p95)', fmt(resumeShown), 'ms');
    check(pausePage.length >= 8, `${name}: only ${pausePage.length} of 10 pauses measured in the page`);
    check(percentile(pausePage, 95) <= 2000, `${name}: Pause drawn ${percentile(pausePage, 95)} ms after the click`);

    // While paused: Step, Set LR, Gradient check.
    let tc = await clickButton('#btn-pause');
    await waitFor(stateIs('paused'), tc);
    await sleep(300);
    const before = await dashIteration();
    tc = await clickButton('#btn-step');
    const step = await waitFor(async () => (await dashIteration()) > before, tc);
    record(name, 'Step click → new iteration shown', step);
    check(step <= 2000, `${name}: Step shown after ${step} ms`);

    const lr = 0.0037;
    await frame.locator('#lr-input').fill(String(lr));
    tc = await clickButton('#btn-set-lr');
    const setLr = await waitFor(async () => {
      const text = await frame.locator('#lr').innerText({ timeout: 1000 }).catch(() => '');
      return Math.abs(Number(text.replace(/[^0-9eE.+-]/g, '')) - lr) / lr < 0.01;
    }, tc);
    record(name, 'Set LR click → new LR shown', setLr);
    check(setLr <= 2000, `${name}: Set LR shown after ${setLr} ms`);

    // A new run: its first report is the one this click asked for.
    tc = await clickButton('#btn-gradcheck');
    const gc = await waitFor(async () => (await frame.locator('#gradcheck .gc-summary').count()) > 0, tc);
    record(name, 'Gradient check click → report shown', gc);
    check(gc <= 2000, `${name}: gradient check shown after ${gc} ms`);

    // Evaluate test: the sealed-test-set warning (a modal dialog of the workbench).
    tc = await clickButton('#btn-test');
    const dialog = page.locator('.monaco-dialog-box');
    const testDialog = await waitFor(async () => (await dialog.count()) > 0 && dialog.first().isVisible(), tc);
    record(name, 'Evaluate test click → dialog shown', testDialog);
    check(testDialog <= 2000, `${name}: Evaluate-test dialog after ${testDialog} ms`);
    await page.keyboard.press('Escape');
    await dialog.first().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});

    tc = await clickButton('#btn-resume');
    await waitFor(stateIs('running'), tc);
    return runDir;
  };

  try {
    // ── 1. idle machine ──
    const idleDir = await runScenario('idle');
    let tc = await clickButton('#btn-stop');
    const stop = await waitFor(stateIs('stopped'), tc);
    record('idle', 'Stop click → shown', stop);
    check(stop <= 2000, `idle: Stop shown after ${stop} ms`);
    record('idle', 'run folder size', folderBytes(idleDir) / 1e6, 'MB');
    record('idle', 'extension host RSS after the run', extensionHostRss(), 'MB');
    await runCommandFromPalette(page, 'View: Close All Editors').catch(() => {});

    // ── 2. CPU hog on both cores ──
    const stopHog = startHog(2);
    try {
      const hogDir = await runScenario('hog');
      record('hog', 'extension host RSS while training', extensionHostRss(), 'MB');
      // Reload Window mid-run: the dashboard comes back with its history; the run goes on.
      const itBefore = engineIteration(hogDir);
      tc = Date.now();
      await runCommandFromPalette(page, 'Developer: Reload Window');
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60000 });
      const restored = await waitFor(async () => Number(await attr('data-points')) > 0
        && (await dashIteration()) >= itBefore, tc, 60000);
      reloadSpan = { from: tc, to: tc + restored };
      record('hog', 'Reload Window → dashboard drawn with its history', restored);
      // Where the restore's time goes (the page's clock): the workbench reloading until the
      // dashboard's page starts; its ready → the host's snapshot; snapshot → history drawn.
      const marks = await body.evaluate((b) => ({
        ready: Number(b.dataset.readyAt), snapshot: Number(b.dataset.snapshotAt), drawn: Number(b.dataset.historyDrawnAt),
      })).catch(() => null);
      if (marks) {
        record('hog', 'reload: Reload Window → dashboard page ready (the workbench)', marks.ready - tc);
        record('hog', 'reload: page ready → snapshot from the host', marks.snapshot - marks.ready);
        record('hog', 'reload: snapshot → history drawn', marks.drawn - marks.snapshot);
        const activated = lastActivation(userDataDir);
        if (activated) {
          record('hog', 'reload: our extension activated → history drawn (our share)', marks.drawn - activated);
          check(marks.drawn - activated <= 8000, `hog: ${marks.drawn - activated} ms from activation to the restored history`);
        }
      }
      const state = await attr('data-state');
      record('hog', 'state after the reload', state ?? '(none)', '');
      check(restored <= 45000, `hog: dashboard restored after ${restored} ms`);
      check(state !== 'stopped' && state !== 'crashed', `hog: the reload ended the run (${state})`);
      const itLater = engineIteration(hogDir);
      await sleep(1500);
      record('hog', 'engine iterations in 1.5 s after the reload', engineIteration(hogDir) - itLater, 'it');
      await screenshot(page, 'e2e-live-after-reload');
      tc = await clickButton('#btn-stop');
      const stopHogRun = await waitFor(async () => ['stopped', 'finished'].includes(await attr('data-state')), tc);
      record('hog', 'Stop click → shown', stopHogRun);
      if (!Number.isFinite(stopHogRun)) {
        // Which hop lost it: the page's click, the engine's state, the dashboard's state.
        const clicked = await body.evaluate((b) => b.dataset.controlClicked ?? '(none)').catch(() => '(no page)');
        const lastState = events(hogDir).filter((e) => e.type === 'state').at(-1);
        record('hog', 'Stop lost: the page saw a click on / engine state / dashboard state',
          `${clicked} / ${lastState?.state ?? '?'} / ${await attr('data-state')}`, '');
      }
      check(Number.isFinite(stopHogRun) && stopHogRun <= 2000, `hog: Stop after the reload shown after ${stopHogRun} ms`);
      record('hog', 'run folder size', folderBytes(hogDir) / 1e6, 'MB');
    } finally {
      stopHog();
    }
    await runCommandFromPalette(page, 'View: Close All Editors').catch(() => {});
    await sleep(3000);
    record('all', 'extension host RSS: baseline → after closing dashboards', `${rssBaseline} → ${extensionHostRss()}`, 'MB');
    // While the window reloads, VS Code itself stops one extension host and starts the next (on
    // a loaded machine that takes seconds, before our extension is activated): counted apart.
    const inReload = (u) => reloadSpan && u.at >= reloadSpan.from && u.at <= reloadSpan.to;
    const outside = unresponsive.filter((u) => !inReload(u));
    record('all', '"Extension host is unresponsive" in the console (while training / during the reload)',
      `${outside.length} / ${unresponsive.length - outside.length}`, 'times');
    check(outside.length === 0, `extension host unresponsive ${outside.length} times: ${outside.slice(0, 3).map((u) => u.text).join(' | ')}`);
  } catch (err) {
    track.log(`FAILED: ${err.stack ?? err.message}`);
    await screenshot(page, 'e2e-live-failure').catch(() => {});
    failures.push(err.message);
  }

  const table = ['| scenario | measure | value |', '|---|---|---|',
    ...results.map((r) => `| ${r.scenario} | ${r.measure} | ${typeof r.value === 'number' ? Math.round(r.value * 10) / 10 : r.value} ${r.unit} |`)].join('\n');
  console.log(`\n${table}\n`);
  fs.writeFileSync(path.join(resultsDir(), 'e2e-live.md'), `${table}\n`);
  if (failures.length) {
    track.log(`${failures.length} check(s) failed:\n  ${failures.join('\n  ')}`);
    return opts['no-assert'] ? 0 : 1;
  }
  return 0;
});
