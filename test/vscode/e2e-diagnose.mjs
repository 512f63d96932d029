#!/usr/bin/env node
// End-to-end UI test of Diagnose and the learning-rate finder, as a person would use them: install
// the packaged VSIX into code-server, open the moons example in the real workbench (headless
// Chromium), click the "Diagnose" CodeLens, read the report card inside the webview (eight cards,
// every one passing), run "Gradient Lab: Find Learning Rate" from the palette, wait for the chart,
// click "Apply to file", and check that the experiment file on disk now has the suggested learning
// rate and nothing else changed. Screenshots go to test-results/ (e2e-diagnose-*.png; with
// --copy-screenshot the report card also goes to media/screenshot-diagnose.png).
//
// usage: node test/vscode/e2e-diagnose.mjs [--vsix FILE] [--timeout ms] [--keep] [--copy-screenshot]
// Without --vsix it packages the current build (node scripts/build.mjs first). Exit 0 on success.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  assertInstalled, guardedRun, installVsix, makeTempDir, openWorkbench, packageVsix, quickOpen, runCommandFromPalette,
  screenshot, webviewFrame,
} from '../../scripts/vscode-test/lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: opts } = parseArgs({
  options: {
    vsix: { type: 'string' },
    timeout: { type: 'string', default: '300000' },
    keep: { type: 'boolean', default: false },
    'copy-screenshot': { type: 'boolean', default: false },
  },
});

assertInstalled();
const tmp = makeTempDir('gradient-lab-e2e-diagnose-');

void guardedRun({ name: 'e2e-diagnose', tmp, timeoutMs: Number(opts.timeout), keep: opts.keep }, async (track) => {
  const mark = (what) => track.log(`${what} at ${track.elapsed()}s`);
  const vsix = opts.vsix ?? await packageVsix(root, path.join(tmp, 'gradient-lab.vsix'),
    ['--allow-missing-repository', '--no-rewrite-relative-links']);
  mark(`packaged ${path.basename(vsix)}`);
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  await installVsix(vsix, { userDataDir, extensionsDir });

  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace);
  const file = path.join(workspace, 'moons.nn.json');
  fs.copyFileSync(path.join(root, 'examples', 'moons.nn.json'), file);
  const original = fs.readFileSync(file, 'utf8');

  const settings = { 'workbench.colorTheme': 'Default Dark Modern', 'editor.minimap.enabled': false };
  const { page } = await openWorkbench(track, { tmp, userDataDir, extensionsDir, workspace, settings });
  mark('workbench rendered');

  try {
    await quickOpen(page, 'moons.nn.json');
    const lens = page.locator('.codelens-decoration a', { hasText: 'Diagnose' }).first();
    await lens.waitFor({ timeout: 45000 });
    mark('CodeLens "Diagnose" shown');
    await lens.click();

    const frame = webviewFrame(page);
    await frame.locator('body[data-phase="done"]').waitFor({ timeout: 90000 });
    const cards = await frame.locator('.dx-check').count();
    const passing = await frame.locator('.dx-check[data-status="pass"]').count();
    const overall = await frame.locator('#dx-status').textContent();
    track.log(`report card: ${cards} checks, ${passing} pass, overall ${overall}`);
    if (cards !== 8 || passing !== 8) throw new Error(`expected eight passing checks, saw ${passing} of ${cards}`);
    await frame.locator('#chart-lr-find').waitFor({ timeout: 10000 });
    await page.waitForTimeout(1000);
    const shot = path.join(path.dirname(await screenshot(page, 'e2e-diagnose-workbench')), 'e2e-diagnose.png');
    await page.locator('iframe.webview.ready').first().screenshot({ path: shot });
    mark('report card read');

    await runCommandFromPalette(page, 'Gradient Lab: Find Learning Rate', { timeout: 30000 });
    await frame.locator('#dx-title', { hasText: 'Find learning rate' }).waitFor({ timeout: 30000 });
    await frame.locator('body[data-phase="done"]').waitFor({ timeout: 60000 });
    const text = await frame.locator('#lr-find-text').textContent();
    const suggested = Number(/Suggested ([0-9.e-]+)/.exec(text ?? '')?.[1]);
    if (!(suggested > 0)) throw new Error(`no suggestion shown: ${text}`);
    mark(`range test shows ${suggested}`);
    await frame.locator('#btn-apply-lr:not([disabled])').click();
    await frame.locator('#dx-applied', { hasText: 'learningRate' }).waitFor({ timeout: 15000 });
    const deadline = Date.now() + 15000;
    let written = original;
    while (written === original && Date.now() < deadline) {
      await page.waitForTimeout(200);
      written = fs.readFileSync(file, 'utf8');
    }
    const expected = original.replace('"learningRate": 0.005', `"learningRate": ${suggested}`);
    if (written !== expected) throw new Error(`the file after Apply:\n${written}\nexpected:\n${expected}`);
    mark(`Apply wrote learningRate ${suggested} into moons.nn.json (nothing else changed)`);
    await page.waitForTimeout(800);
    await page.locator('iframe.webview.ready').first().screenshot({ path: path.join(path.dirname(shot), 'e2e-diagnose-lr.png') });
    if (opts['copy-screenshot']) fs.copyFileSync(shot, path.join(root, 'media', 'screenshot-diagnose.png'));
    mark('done');
    return 0;
  } catch (err) {
    track.log(`FAILED: ${err.message}`);
    track.log(`screenshot: ${await screenshot(page, 'e2e-diagnose-failure').catch((e) => e.message)}`);
    return 1;
  }
});
