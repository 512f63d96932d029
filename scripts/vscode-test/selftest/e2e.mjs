#!/usr/bin/env node
// End-to-end self-test of the UI route, shaped like the project's real e2e tests will be:
// package the selftest extension with vsce, install the .vsix into a private extensions dir,
// start code-server (no test payload), open the workbench on a folder in headless Chromium,
// run the command from the palette like a person would, check its notification, and screenshot
// to test-results/selftest-workbench.png; then open a webview panel, read and click inside it
// (two iframes deep) and screenshot it to test-results/selftest-webview.png.
//
// usage: node scripts/vscode-test/selftest/e2e.mjs [--timeout ms] [--keep]
// Exit status 0 when the notification appeared; 1 otherwise (a failure screenshot is saved).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  assertInstalled,
  guardedRun,
  installVsix,
  launchBrowser,
  makeTempDir,
  packageVsix,
  runCommandFromPalette,
  screenshot,
  screenshotFrame,
  startCodeServer,
  waitForWorkbench,
  webviewFrame,
} from '../lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXTENSION_DIR = path.join(HERE, 'extension');
const COMMAND_TITLE = 'Harness Selftest: Say Hello';
const EXPECTED_TOAST = 'hello from the harness selftest';
const PANEL_TITLE = 'Harness Selftest: Show Panel';

const { values: opts } = parseArgs({
  options: {
    timeout: { type: 'string', default: '180000' },
    keep: { type: 'boolean', default: false },
  },
});

assertInstalled();
const tmp = makeTempDir('gradient-lab-e2e-');

void guardedRun({ name: 'selftest-e2e', tmp, timeoutMs: Number(opts.timeout), keep: opts.keep }, async (track) => {
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');

  // The extension has a "license" field but no LICENSE file; without --skip-license vsce asks
  // an interactive question and stalls on the closed stdin.
  const vsix = await packageVsix(EXTENSION_DIR, path.join(tmp, 'harness-selftest.vsix'), ['--skip-license']);
  await installVsix(vsix, { userDataDir, extensionsDir });
  track.log(`packaged and installed ${path.basename(vsix)} after ${track.elapsed()}s`);

  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace);
  fs.writeFileSync(path.join(workspace, 'README.md'), '# harness selftest workspace\n');

  const server = track.server(
    await startCodeServer({ userDataDir, extensionsDir, homeDir: path.join(tmp, 'home') }),
  );
  const context = track.context(
    await launchBrowser(path.join(tmp, 'chromium-profile'), { homeDir: path.join(tmp, 'chromium-home') }),
  );
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded' });
  await waitForWorkbench(page);
  track.log(`workbench rendered after ${track.elapsed()}s`);

  try {
    await runCommandFromPalette(page, COMMAND_TITLE);
    const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: EXPECTED_TOAST });
    await toast.first().waitFor({ state: 'visible', timeout: 20000 });
    const text = await toast.first().innerText();
    track.log(`notification: ${text.replace(/\s+/g, ' ').trim()}`);
    if (!/Node v24\./.test(text)) throw new Error('command did not run in a Node 24 extension host');
    await page.waitForTimeout(500); // let the toast's fade-in finish so the screenshot is legible
    track.log(`screenshot: ${await screenshot(page, 'selftest-workbench')}`);

    // Webview route: the panel's own document is two iframes deep (webviewFrame).
    await runCommandFromPalette(page, PANEL_TITLE);
    const frame = webviewFrame(page);
    await frame.locator('#title').waitFor({ state: 'visible', timeout: 20000 });
    await frame.locator('#btn').click();
    await frame.locator('#count', { hasText: 'clicked 1' }).waitFor({ timeout: 10000 });
    // The click also round-trips to the extension host (postMessage -> notification).
    await page
      .locator('.notifications-toasts .notification-toast')
      .filter({ hasText: 'panel clicked 1' })
      .first()
      .waitFor({ state: 'visible', timeout: 10000 });
    track.log('webview: read #title, clicked #btn, extension received the message');
    track.log(`screenshot: ${await screenshotFrame(frame, 'selftest-webview')}`);
    track.log(`screenshot: ${await screenshot(page, 'selftest-workbench-webview')}`);
    return 0;
  } catch (err) {
    track.log(`FAILED: ${err.message}`);
    track.log(`screenshot: ${await screenshot(page, 'selftest-workbench-failure').catch((e) => e.message)}`);
    return 1;
  }
});
