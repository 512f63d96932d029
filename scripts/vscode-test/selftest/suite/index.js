// Entry point passed as --tests to run-integration.mjs (VS Code's extensionTestsPath contract:
// a CommonJS module exporting run(): Promise<void>; rejecting marks the run failed).
// Mocha is loaded from the project's node_modules by absolute path: the extension host resolves
// bare `require('mocha')` relative to this file, and the selftest folder has no node_modules.
// mocha 12 is ESM-only; Node 24's require(esm) returns its namespace, hence `.default`.
const path = require('path');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const mochaModule = require(path.join(REPO_ROOT, 'node_modules', 'mocha'));
const Mocha = mochaModule.default ?? mochaModule;

function run() {
  // color off: output is relayed as plain text through codeAutomationLog.
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30000, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'selftest.test.js'));
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} test(s) failed`));
        else resolve();
      });
    } catch (err) {
      reject(err);
    }
  });
}

module.exports = { run };
