#!/usr/bin/env node
// End-to-end UI test, as a person would use Gradient Lab: install the packaged VSIX into
// code-server, open an example experiment in the real workbench (headless Chromium), run
// "Gradient Lab: Start Training" from the command palette, wait for the dashboard, read the epoch
// and cost inside the webview, click Pause, type a new learning rate and click Set, check that the
// change reached the run (events.jsonl) and the dashboard (LR readout after one Step), and take
// screenshots into test-results/ (the dashboard one is also copied to media/screenshot-dashboard.png),
// with the first-hour walkthrough (e2e-walkthrough.png) and the New Experiment picker
// (e2e-templates.png) before the run.
//
// usage: node test/vscode/e2e.mjs [--vsix gradient-lab.vsix] [--timeout ms] [--keep] [--no-screenshot-copy]
// Needs: bash scripts/vscode-test/setup.sh, and the VSIX (npm run package). Exit 0 on success.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  assertInstalled, guardedRun, installVsix, makeTempDir, openWorkbench, quickOpen, runCommandFromPalette,
  screenshot, screenshotFrame, webviewFrame,
} from '../../scripts/vscode-test/lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: opts } = parseArgs({
  options: {
    vsix: { type: 'string', default: path.join(root, 'gradient-lab.vsix') },
    timeout: { type: 'string', default: '240000' },
    keep: { type: 'boolean', default: false },
    'no-screenshot-copy': { type: 'boolean', default: false },
    'refresh-rate': { type: 'string' },
  },
});
const NEW_LR = 0.0005;
const resultsDirOf = (file) => path.dirname(file);

assertInstalled();
if (!fs.existsSync(opts.vsix)) {
  console.error(`[e2e] ${opts.vsix} not found: run npm run package first`);
  process.exit(1);
}
const tmp = makeTempDir('gradient-lab-e2e-');
const timings = {};

void guardedRun({ name: 'e2e', tmp, timeoutMs: Number(opts.timeout), keep: opts.keep }, async (track) => {
  const mark = (what) => {
    timings[what] = Number(track.elapsed());
    track.log(`${what} at ${track.elapsed()}s`);
  };
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  await installVsix(opts.vsix, { userDataDir, extensionsDir });
  const installed = fs.readdirSync(extensionsDir).filter((d) => d.startsWith('gradient-lab.gradient-lab'));
  if (!installed.length) throw new Error(`VSIX not installed: ${fs.readdirSync(extensionsDir).join(', ')}`);
  mark(`installed ${installed[0]}`);
  // What package.json points at outside the bundles: the live config checker and the editor schema.
  for (const f of ['dist/check.js', 'dist/nn.editor.schema.json', 'dist/engine.js']) {
    if (!fs.existsSync(path.join(extensionsDir, installed[0], f))) throw new Error(`the VSIX lacks ${f}`);
  }

  // The workspace: the shipped moons example, made long enough to click around in.
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace);
  const example = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'moons.nn.json'), 'utf8'));
  example.training = { ...example.training, epochs: 10000000, threads: 1 };
  fs.writeFileSync(path.join(workspace, 'moons.nn.json'), JSON.stringify(example, null, 2) + '\n');

  const { page } = await openWorkbench(track, {
    tmp, userDataDir, extensionsDir, workspace,
    settings: {
      'workbench.colorTheme': 'Default Dark Modern',
      'editor.minimap.enabled': false,
      ...(opts['refresh-rate'] ? { 'gradientLab.refreshRate': Number(opts['refresh-rate']) } : {}),
    },
  });
  mark('workbench rendered');

  try {
    await quickOpen(page, 'moons.nn.json');
    await page.locator('.tab', { hasText: 'moons.nn.json' }).first().waitFor({ timeout: 15000 });
    // The CodeLens shows once the extension is active.
    await page.locator('.codelens-decoration', { hasText: 'Train' }).first().waitFor({ timeout: 45000 });
    mark('example open, CodeLens shown');

    // The first-hour walkthrough (Help › Get Started) and the New Experiment picker, as a newcomer sees them.
    await runCommandFromPalette(page, 'Welcome: Open Walkthrough...');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Get started with Gradient Lab' }).first().click({ timeout: 15000 });
    const walkthrough = page.locator('.gettingStartedContainer');
    await walkthrough.locator('.getting-started-step', { hasText: 'Create an experiment from a lesson' }).first().waitFor({ timeout: 20000 });
    const steps = await walkthrough.locator('.getting-started-step').count();
    if (steps !== 5) throw new Error(`the walkthrough shows ${steps} steps, not 5`);
    await page.waitForTimeout(1000);
    track.log(`walkthrough: ${await screenshot(page, 'e2e-walkthrough')}`);
    await runCommandFromPalette(page, 'View: Close Editor', { timeout: 15000 });
    mark('walkthrough shown');

    await runCommandFromPalette(page, 'Gradient Lab: New Experiment…');
    const picker = page.locator('.quick-input-widget');
    await picker.locator('.monaco-list-row', { hasText: 'Blank' }).first().waitFor({ timeout: 15000 });
    for (const group of ['Start here', 'Initialisation']) {
      await picker.locator('.quick-input-list-separator, .monaco-list-row', { hasText: group }).first().waitFor({ timeout: 5000 });
    }
    await page.waitForTimeout(500);
    track.log(`templates picker: ${await screenshot(page, 'e2e-templates')}`);
    await page.keyboard.press('Escape');
    await picker.locator('input[type="text"]').waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
    mark('templates picker shown');

    await runCommandFromPalette(page, 'Gradient Lab: Start Training');
    mark('Start Training run from the palette');

    const frame = webviewFrame(page);
    const epochEl = frame.locator('#epoch');
    await epochEl.waitFor({ state: 'visible', timeout: 60000 });
    const readNumber = async (sel) => Number((await frame.locator(sel).innerText()).replace(/[^0-9eE.+-]/g, ''));
    const deadline = Date.now() + 60000;
    let epoch = 0;
    while (Date.now() < deadline && !(epoch >= 5)) {
      epoch = await readNumber('#epoch');
      await page.waitForTimeout(200);
    }
    const cost = await readNumber('#cost');
    track.log(`dashboard: epoch ${epoch}, cost ${cost}`);
    if (!(epoch >= 5)) throw new Error(`epoch did not advance in the dashboard (${epoch})`);
    if (!Number.isFinite(cost) || cost <= 0) throw new Error(`bad cost in the dashboard: ${cost}`);
    mark('dashboard shows epoch and cost');

    const tClick = Date.now();
    await frame.locator('#btn-pause').click();
    const tClicked = Date.now();
    await frame.locator('body[data-state="paused"]').waitFor({ timeout: 30000 });
    track.log(`Pause: click ${tClicked - tClick} ms, paused shown ${Date.now() - tClicked} ms later`);
    const pausedAt = Number(await frame.locator('body').getAttribute('data-iteration'));
    await page.waitForTimeout(1500);
    const stillAt = Number(await frame.locator('body').getAttribute('data-iteration'));
    if (stillAt !== pausedAt) throw new Error(`iterations went on after Pause: ${pausedAt} → ${stillAt}`);
    mark(`paused at iteration ${pausedAt}`);

    await frame.locator('#lr-input').fill(String(NEW_LR));
    await frame.locator('#btn-set-lr').click();
    // The change is recorded by the engine in the run folder…
    const runsDir = path.join(workspace, '.gradient-lab', 'runs');
    const eventsFile = () => {
      const dirs = fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : [];
      return dirs.length ? path.join(runsDir, dirs[0], 'events.jsonl') : null;
    };
    const lrDeadline = Date.now() + 20000;
    let recorded = null;
    while (Date.now() < lrDeadline && !recorded) {
      const f = eventsFile();
      recorded = f && fs.existsSync(f)
        ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.type === 'learningRate' && e.to === NEW_LR)
        : null;
      if (!recorded) await page.waitForTimeout(200);
    }
    if (!recorded) throw new Error('the learning-rate change never reached the run folder');
    track.log(`events.jsonl: learningRate ${recorded.from} → ${recorded.to} at iteration ${recorded.iteration}`);
    // …and the dashboard's LR readout and chart use it from the next iteration: Step once.
    await frame.locator('#btn-step').click();
    const lrDeadline2 = Date.now() + 20000;
    let lrShown = NaN;
    while (Date.now() < lrDeadline2) {
      lrShown = await readNumber('#lr');
      if (Math.abs(lrShown - NEW_LR) / NEW_LR < 0.01) break;
      await page.waitForTimeout(200);
    }
    if (!(Math.abs(lrShown - NEW_LR) / NEW_LR < 0.01)) throw new Error(`LR readout shows ${lrShown}, expected ${NEW_LR}`);
    mark(`dashboard LR shows ${lrShown}`);

    // Let it train on with the new rate for a moment so the charts show the change, then pause.
    await frame.locator('#btn-resume').click();
    await frame.locator('body[data-state="running"]').waitFor({ timeout: 20000 });
    await page.waitForTimeout(4000);
    await frame.locator('#btn-pause').click();
    await frame.locator('body[data-state="paused"]').waitFor({ timeout: 20000 });
    await page.waitForTimeout(1000);

    // The workbench with the Gradient Lab side panel (Runs tree, live view) open.
    await runCommandFromPalette(page, 'View: Show Gradient Lab', { timeout: 15000 })
      .then(() => page.locator('.pane-header', { hasText: 'Runs' }).first().waitFor({ timeout: 10000 }))
      .catch((e) => track.log(`(side panel not shown: ${e.message.split('\n')[0]})`));
    await page.waitForTimeout(1500);
    const shotWorkbench = await screenshot(page, 'e2e-workbench');
    // The dashboard alone: its editor group maximized, side bar hidden, then the webview's area.
    await page.locator('.tab', { hasText: 'Gradient Lab:' }).first().click();
    await runCommandFromPalette(page, 'Maximize Editor Group and Hide Side Bars', { timeout: 15000 })
      .catch((e) => track.log(`(not maximized: ${e.message.split('\n')[0]})`));
    await page.waitForTimeout(2000);
    const shotDashboard = path.join(resultsDirOf(shotWorkbench), 'e2e-dashboard.png');
    await page.locator('iframe.webview.ready').first().screenshot({ path: shotDashboard });
    await screenshotFrame(frame, 'e2e-dashboard-body');
    track.log(`screenshots: ${shotWorkbench}, ${shotDashboard}`);
    if (!opts['no-screenshot-copy']) {
      fs.copyFileSync(shotDashboard, path.join(root, 'media', 'screenshot-dashboard.png'));
      track.log('copied the dashboard screenshot to media/screenshot-dashboard.png');
    }

    await frame.locator('#btn-stop').click();
    await frame.locator('body[data-state="stopped"]').waitFor({ timeout: 20000 });
    mark('stopped');
    track.log(`timings (s): ${JSON.stringify(timings)}`);
    return 0;
  } catch (err) {
    track.log(`FAILED: ${err.message}`);
    track.log(`screenshot: ${await screenshot(page, 'e2e-failure').catch((e) => e.message)}`);
    return 1;
  }
});
