#!/usr/bin/env node
// End-to-end UI test of the hyperparameter search, as a person would use it: install the packaged
// VSIX into code-server, open a search experiment in the real workbench (headless Chromium), click
// the "Search" CodeLens, wait for the search view, read its trials table, click Kill on a running
// trial's row, watch it end killed while the others finish, open the Runs side panel (the search
// node with its trials), and take screenshots of the search view in a dark and a light theme into
// test-results/ (e2e-search-*.png; with --copy-screenshot the dark one also goes to media/screenshot-search.png).
// Mid-search it reloads the window: the search view comes back (stopped), and its Resume button
// finishes the search. Before the reload it brushes the learning-rate axis of the parallel coordinates and
// checks that the table shows exactly the brushed trials; after it, that the brush came back.
// Last, an ASHA search (one trial at a time): a trial waits at its rung, its row's Promote button
// sends it on, and search.json records the promotion by hand.
//
// usage: node test/vscode/e2e-search.mjs [--vsix FILE] [--example examples/search.moons.nn.json]
//          [--timeout ms] [--keep] [--copy-screenshot]
// Without --vsix it packages the current build (node scripts/build.mjs first). Exit 0 on success.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  assertInstalled, guardedRun, installVsix, makeTempDir, openWorkbench, packageVsix, quickOpen, runCommandFromPalette,
  screenshot, screenshotFrame, waitForWorkbench, webviewFrame,
} from '../../scripts/vscode-test/lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: opts } = parseArgs({
  options: {
    vsix: { type: 'string' },
    example: { type: 'string', default: path.join(root, 'examples', 'search.moons.nn.json') },
    timeout: { type: 'string', default: '300000' },
    keep: { type: 'boolean', default: false },
    'copy-screenshot': { type: 'boolean', default: false },
  },
});

assertInstalled();
const tmp = makeTempDir('gradient-lab-e2e-search-');

void guardedRun({ name: 'e2e-search', tmp, timeoutMs: Number(opts.timeout), keep: opts.keep }, async (track) => {
  const mark = (what) => track.log(`${what} at ${track.elapsed()}s`);
  const vsix = opts.vsix ?? await packageVsix(root, path.join(tmp, 'gradient-lab.vsix'),
    ['--allow-missing-repository', '--no-rewrite-relative-links']);
  mark(`packaged ${path.basename(vsix)}`);
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  await installVsix(vsix, { userDataDir, extensionsDir });

  // The workspace: the shipped search example, two at once (this machine may have 2 cores).
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace);
  const example = JSON.parse(fs.readFileSync(opts.example, 'utf8').replace(/^\s*\/\/.*$/gm, ''));
  // 2 rounds of 4 trials, two at once; each trial long enough (a few seconds: the engine does
  // ~30k iterations/s on this small net) to click Kill on one while it trains.
  example.search = { ...example.search, parallel: 2, trials: 4, rounds: 2, keepTop: 2, epochsPerTrial: 3000,
    earlyTermination: { type: 'none', graceEpochs: 5 } };
  example.training = { ...example.training, batchSize: 16, threads: 1 };
  fs.writeFileSync(path.join(workspace, 'search.moons.nn.json'), JSON.stringify(example, null, 2) + '\n');
  // ASHA, one at a time: trial 1 waits at the rung (epoch 1500) until two more trials reach it.
  const asha = { ...example, name: 'asha-moons', search: { ...example.search, parallel: 1, trials: 6, rounds: 1, epochsPerTrial: 6000,
    earlyTermination: { type: 'asha', eta: 3, minEpochs: 1500 } } };
  fs.writeFileSync(path.join(workspace, 'asha.moons.nn.json'), JSON.stringify(asha, null, 2) + '\n');

  const settings = { 'workbench.colorTheme': 'Default Dark Modern', 'editor.minimap.enabled': false };
  const { page } = await openWorkbench(track, { tmp, userDataDir, extensionsDir, workspace, settings });
  mark('workbench rendered');

  try {
    await quickOpen(page, 'search.moons.nn.json');
    // The "Search" CodeLens shows on files with a search block once the extension is active: click it.
    const lens = page.locator('.codelens-decoration a', { hasText: 'Search' }).first();
    await lens.waitFor({ timeout: 45000 });
    mark('CodeLens "Search" shown');
    await lens.click();

    const frame = webviewFrame(page);
    await frame.locator('table.trials-table tbody tr[data-trial-id]').first().waitFor({ timeout: 60000 });
    mark('search view shows trials');
    // Kill a running trial from its row, as a person would (a trial may finish first: then another).
    let killedId = null;
    await frame.locator('#card-trials').scrollIntoViewIfNeeded();
    for (let attempt = 0; attempt < 5 && killedId === null; attempt++) {
      const runningRow = frame.locator('tr[data-state="running"]').first();
      await runningRow.waitFor({ timeout: 30000 });
      const id = await runningRow.getAttribute('data-trial-id');
      await frame.locator(`tr[data-trial-id="${id}"] button[data-action="kill"]:not([disabled])`).click({ timeout: 5000 }).catch((e) => track.log(`(kill ${id}: ${e.message.split('\n')[0]})`));
      await frame.locator(`tr[data-trial-id="${id}"]:not([data-state="running"])`).waitFor({ timeout: 30000 });
      const state = await frame.locator(`tr[data-trial-id="${id}"]`).getAttribute('data-state');
      if (state === 'killed') killedId = id;
      else track.log(`(trial ${id} ended ${state} before the kill landed; trying another)`);
    }
    if (killedId === null) throw new Error('could not kill a running trial from its row');
    mark(`trial ${killedId} killed from its row`);

    // Brush the learning-rate axis (its upper half, 10^-2.5 … 0.1): the table shows exactly those trials.
    const LR_AXIS = 'training.optimizer.learningRate';
    const brushedBefore = await brushAndCheck(page, frame, LR_AXIS, 0.5, 1);
    mark(`brushed the learningRate axis: the table shows the ${brushedBefore.rows} brushed trials of ${brushedBefore.total}`);

    // Reload the window mid-search: the old extension host stops the search (its trials
    // checkpoint), the new one restores the search view from its state, shown stopped with Resume.
    const stateBefore = await frame.locator('body').getAttribute('data-search-state');
    // Reload the way a person does (Developer: Reload Window): the workbench then runs its
    // shutdown lifecycle and saves the open editors and webview state first. A bare page.reload()
    // right after the view opened sometimes beat that save in code-server, and nothing was restored.
    await page.waitForTimeout(2000);
    await Promise.all([
      page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60000 }),
      runCommandFromPalette(page, 'Developer: Reload Window', { timeout: 15000 }),
    ]);
    await waitForWorkbench(page);
    await frame.locator('body[data-search-state]').waitFor({ timeout: 60000 });
    const restored = await frame.locator('body').getAttribute('data-search-state');
    mark(`window reloaded (search was ${stateBefore}); the search view is restored: ${restored}`);
    await frame.locator(`#parallel[data-brushes="${LR_AXIS}"]`).waitFor({ timeout: 30000 });
    const brushedAfter = await tableMatchesBrush(frame);
    // The same range of learning rates: the trials it kept still show (the search may have added round 2's).
    const lost = brushedBefore.ids.filter((id) => !brushedAfter.ids.includes(id));
    if (lost.length) throw new Error(`after the reload the brush no longer keeps trials ${lost.join(', ')}`);
    mark(`the brush came back with the view: ${brushedAfter.rows} of ${brushedAfter.total} rows, the ${brushedBefore.rows} from before among them`);
    await frame.locator('#btn-clear-brush:not([disabled])').click();
    await frame.locator('#parallel[data-brushes=""]').waitFor({ timeout: 10000 });
    if (restored === 'stopped') {
      await frame.locator('#btn-resume-search:not([hidden])').click();
      await frame.locator('body[data-search-state="running"]').waitFor({ timeout: 30000 });
      mark('Resume search clicked: running again');
    } else if (restored !== 'finished') {
      throw new Error(`after the reload the search view shows ${restored}`);
    }
    await frame.locator('body[data-search-state="finished"]').waitFor({ timeout: 180000 });
    const done = await frame.locator('body').getAttribute('data-done');
    const best = await frame.locator('body').getAttribute('data-best');
    const finished = await frame.locator('tr[data-state="finished"]').count();
    const killed = await frame.locator('tr[data-state="killed"]').count();
    track.log(`search finished: ${done} trials done, ${finished} finished, ${killed} killed, best trial ${best}`);
    if (killed !== 1) throw new Error(`expected one killed trial, saw ${killed}`);
    if (!best) throw new Error('no best trial shown');
    const canvases = await frame.locator('canvas').count();
    if (canvases < 4) throw new Error(`expected a scatter per hyperparameter (4), saw ${canvases}`);
    // Sort by the metric: best first.
    await frame.locator('th[data-sort="metric"]').click();
    // The view redraws on its render schedule (not inside the click): wait for it.
    await frame.locator(`table.trials-table tbody tr:first-child[data-trial-id="${best}"]`).waitFor({ timeout: 5000 }).catch(() => {});
    const firstRow = await frame.locator('table.trials-table tbody tr').first().getAttribute('data-trial-id');
    if (firstRow !== best) throw new Error(`sorted by metric, the first row is ${firstRow}, not the best trial ${best}`);
    mark('search finished; sorted by metric');

    // The Runs side panel: the search with its trials nested under it.
    await runCommandFromPalette(page, 'View: Show Gradient Lab', { timeout: 15000 })
      .catch((e) => track.log(`(side panel not shown: ${e.message.split('\n')[0]})`));
    const searchRow = page.locator('.monaco-list-row', { hasText: 'search-moons' }).first();
    await searchRow.waitFor({ timeout: 10000 }).catch(() => track.log('(search not in the Runs tree)'));
    if ((await searchRow.getAttribute('aria-expanded')) === 'false') await searchRow.locator('.monaco-tl-twistie').click();
    await page.locator('.monaco-list-row', { hasText: 'trial-001' }).first().waitFor({ timeout: 10000 }).catch(() => undefined);
    const trialRows = await page.locator('.monaco-list-row', { hasText: /trial-0\d\d/ }).count();
    track.log(`Runs tree: ${trialRows} trial rows shown under the search`);
    if (trialRows < 5) throw new Error(`the trials are not nested under the search in the Runs tree (${trialRows} rows)`);
    await frame.locator('body').evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(1500);
    await screenshot(page, 'e2e-search-workbench');
    // The search view alone: its editor group maximized.
    await page.locator('.tab', { hasText: 'Search:' }).first().click();
    await runCommandFromPalette(page, 'Maximize Editor Group and Hide Side Bars', { timeout: 15000 })
      .catch((e) => track.log(`(not maximized: ${e.message.split('\n')[0]})`));
    await page.waitForTimeout(1500);
    const shotDark = path.join(path.dirname(await screenshot(page, 'e2e-search-page-dark')), 'e2e-search-dark.png');
    await page.locator('iframe.webview.ready').first().screenshot({ path: shotDark });
    await screenshotFrame(frame, 'e2e-search-body-dark');
    // The same in a light theme.
    await runCommandFromPalette(page, 'Preferences: Color Theme', { timeout: 15000 });
    await page.locator('.quick-input-widget input[type="text"]').fill('Light Modern');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Light Modern' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
    await frame.locator('body.vscode-light').waitFor({ timeout: 15000 });
    await page.waitForTimeout(1500);
    const shotLight = path.join(path.dirname(shotDark), 'e2e-search-light.png');
    await page.locator('iframe.webview.ready').first().screenshot({ path: shotLight });
    track.log(`screenshots: ${shotDark}, ${shotLight}`);
    if (opts['copy-screenshot']) fs.copyFileSync(shotDark, path.join(root, 'media', 'screenshot-search.png'));

    // ASHA from the extension: a trial waits at its rung; Promote sends it on by hand.
    await runCommandFromPalette(page, 'View: Close All Editors', { timeout: 15000 });
    await quickOpen(page, 'asha.moons.nn.json');
    const ashaLens = page.locator('.codelens-decoration a', { hasText: 'Search' }).first();
    await ashaLens.waitFor({ timeout: 45000 });
    await ashaLens.click();
    const ashaFrame = webviewFrame(page);
    const promote = ashaFrame.locator('tr[data-rung="0"] button[data-action="promote"]:not([disabled])').first();
    await promote.waitFor({ timeout: 120000 });
    const waitingId = await ashaFrame.locator('tr[data-rung="0"]').first().getAttribute('data-trial-id');
    mark(`ASHA: trial ${waitingId} waits at rung 1`);
    await promote.click();
    await ashaFrame.locator(`tr[data-trial-id="${waitingId}"]:not([data-rung])`).waitFor({ timeout: 30000 });
    const stateAfter = await ashaFrame.locator(`tr[data-trial-id="${waitingId}"]`).getAttribute('data-state');
    mark(`Promote clicked: trial ${waitingId} is ${stateAfter}`);
    await page.waitForTimeout(1000);
    await screenshotFrame(ashaFrame, 'e2e-search-asha');
    await ashaFrame.locator('#btn-stop-search:not([disabled])').click();
    await ashaFrame.locator('body[data-search-state="stopped"], body[data-search-state="finished"]').first().waitFor({ timeout: 60000 });
    const runs = path.join(workspace, '.gradient-lab', 'runs');
    const ashaDir = fs.readdirSync(runs).find((d) => d.endsWith('-asha-moons-search'));
    const file = JSON.parse(fs.readFileSync(path.join(runs, ashaDir, 'search.json'), 'utf8'));
    const promoted = file.trials.find((t) => String(t.id) === waitingId);
    if (!(promoted.promotions ?? []).some((p) => p.rung === 0 && p.by === 'user')) throw new Error(`search.json has no promotion by hand of trial ${waitingId}: ${JSON.stringify(promoted)}`);
    if (file.earlyTermination.type !== 'asha') throw new Error('not an ASHA search');
    // Export CSV: the host asks where (VS Code's save dialog, its default path: the search folder) and writes every trial.
    await ashaFrame.locator('#btn-export-csv:not([disabled])').click();
    const dialog = page.locator('.quick-input-widget input[type="text"]');
    await dialog.waitFor({ timeout: 15000 });
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    const csvFile = path.join(runs, ashaDir, 'asha-moons-trials.csv');
    for (let i = 0; i < 60 && !fs.existsSync(csvFile); i++) await page.waitForTimeout(250);
    const csv = fs.readFileSync(csvFile, 'utf8').trim().split('\r\n');
    if (!csv[0].startsWith('trial,id,round,state,training.optimizer.learningRate') || csv.length !== 7) throw new Error(`unexpected CSV: ${csv.slice(0, 3).join(' | ')} (${csv.length} lines)`);
    if (!csv.some((l) => l.startsWith(`trial-00${waitingId},`) && l.includes('1@1500 by hand'))) throw new Error(`the CSV does not show trial ${waitingId} promoted by hand`);
    mark(`Export CSV wrote ${csv.length - 1} trials to ${path.basename(csvFile)}`);
    mark(`search.json: trial ${waitingId} promoted past rung 1 by hand; epochs ${file.budget.epochs} of ${file.budget.randomEpochs}`);
    mark('done');
    return 0;
  } catch (err) {
    track.log(`FAILED: ${err.message}`);
    track.log(`screenshot: ${await screenshot(page, 'e2e-search-failure').catch((e) => e.message)}`);
    return 1;
  }
});

/**
 * Drags along a parallel-coordinates axis from position `from` to `to` (0 = bottom, 1 = top), as a
 * person brushes it, then checks that the table shows exactly the trials the brush keeps.
 */
async function brushAndCheck(page, frame, axis, from, to) {
  // A live search redraws the chart when a trial reports: scroll its card (which stays), then
  // measure the axis (re-measured if it was just redrawn; the redrawn one sits at the same place).
  // A card added above it (the search's next round) can move the chart between measuring and
  // dragging: then the drag misses, and a person drags again.
  const area = frame.locator(`rect.pc-brush-area[data-axis="${axis}"]`);
  for (let attempt = 1; ; attempt++) {
    await frame.locator('#card-parallel').scrollIntoViewIfNeeded();
    let box = null;
    for (let i = 0; i < 20 && !box; i++) box = await area.boundingBox({ timeout: 2000 }).catch(() => null);
    if (!box) throw new Error(`no brush area for the ${axis} axis`);
    const x = box.x + box.width / 2;
    // The area reaches 4 px beyond the axis at both ends (in the SVG's units, about as many pixels).
    const y = (p) => box.y + 4 + (1 - p) * (box.height - 8);
    await page.mouse.move(x, y(from) - 1);
    await page.mouse.down();
    await page.mouse.move(x, y(to), { steps: 12 });
    await page.mouse.up();
    const took = await frame.locator(`#parallel[data-brushes="${axis}"]`).waitFor({ timeout: 4000 }).then(() => true, () => false);
    if (took) break;
    if (attempt === 3) throw new Error(`three drags along the ${axis} axis left no brush`);
  }
  const seen = await tableMatchesBrush(frame);
  if (seen.rows < 1) throw new Error('the brush kept no trial');
  return seen;
}

/** The table's rows are the trials the brush keeps (the lines not faded out), fewer than all of them. */
async function tableMatchesBrush(frame) {
  for (let attempt = 0; ; attempt++) {
    // Read the table, the chart and the counts in one go: a live search re-renders in between.
    const seen = await frame.locator('body').evaluate(() => ({
      brushed: document.getElementById('parallel')?.dataset.brushed ?? '',
      rows: [...document.querySelectorAll('table.trials-table tbody tr[data-trial-id]')].map((r) => r.getAttribute('data-trial-id')).sort(),
      lines: [...document.querySelectorAll('#parallel path.pc-line:not(.out)')].map((l) => l.getAttribute('data-trial-id')).sort(),
      total: Number(document.body.dataset.trials),
      shown: Number(document.body.dataset.shown),
    }));
    const ok = seen.brushed !== '' && Number(seen.brushed) === seen.rows.length && seen.shown === seen.rows.length
      && seen.rows.length < seen.total && JSON.stringify(seen.rows) === JSON.stringify(seen.lines);
    if (ok) return { rows: seen.rows.length, total: seen.total, ids: seen.rows };
    if (attempt >= 20) throw new Error(`the table does not show the brushed trials: ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
