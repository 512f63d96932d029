/**
 * Entry of the integration suite (VS Code's extensionTestsPath contract): a CommonJS module that
 * exports run(): Promise<void>, rejecting when a test fails. Runs inside the extension host of a
 * real VS Code: code-server through scripts/vscode-test/run-integration.mjs, or desktop VS Code
 * through @vscode/test-electron (test/vscode/run-electron.mjs).
 *
 * Mocha is loaded from the repository's node_modules at run time (not bundled): mocha 12 is ESM,
 * so it comes in through import().
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

interface MochaRunner {
  addFile(file: string): void;
  run(done: (failures: number) => void): void;
}
type MochaCtor = new (options: Record<string, unknown>) => MochaRunner;

/** out/test/vscode/suite → repository root. */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'node_modules', 'mocha'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`node_modules/mocha not found above ${__dirname}`);
  }
}

export async function run(): Promise<void> {
  const entry = path.join(repoRoot(), 'node_modules', 'mocha', 'index.js');
  // A plain import() — esbuild keeps it as is for a computed specifier.
  const importer = new Function('u', 'return import(u)') as (u: string) => Promise<{ default?: MochaCtor } & MochaCtor>;
  const mod = await importer(pathToFileURL(fs.existsSync(entry) ? entry : path.join(repoRoot(), 'node_modules', 'mocha')).href);
  const Mocha: MochaCtor = mod.default ?? mod;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec', bail: false });
  // The Restricted Mode tests need an untrusted workspace: a separate pass (run.mjs) selects them.
  const restricted = process.env.GRADIENT_LAB_SUITE === 'restricted';
  // GRADIENT_LAB_ONLY=search,diagnose: only those files (while working on one part).
  const only = (process.env.GRADIENT_LAB_ONLY ?? '').split(',').filter(Boolean);
  const files = fs.readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js') && f.endsWith('.restricted.test.js') === restricted)
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  await new Promise<void>((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
