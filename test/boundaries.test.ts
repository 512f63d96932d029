/**
 * The compiler holds the boundaries between the four parts (tsconfig.base.json): for each part,
 * a probe file placed inside it that crosses a boundary must fail to type-check with that part's
 * own tsconfig, and a probe that stays inside must pass (so the test fails if a config breaks,
 * in either direction). The probe lives in memory; the part's real files are compiled with it.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');

interface Probe {
  why: string;
  code: string;
  /** Expected to compile (a control) or to fail with one of these diagnostic codes. */
  fails: number[] | null;
}

/** TS6307: a file outside the part's `include` (another part, or src/forbidden-import.ts). */
const OUTSIDE = 6307;
/** TS2304/TS2580/TS2584: a global the part does not have (document, process, console). */
const NO_GLOBAL = [2304, 2580, 2584, 2591];

const PARTS: Record<string, Probe[]> = {
  'src/shared': [
    { why: 'shared code imports another shared module', code: `import { toJson } from './nonfinite';\nexport const probe = toJson(1);`, fails: null },
    { why: 'shared code imports vscode', code: `import * as vscode from 'vscode';\nexport const probe = vscode;`, fails: [OUTSIDE] },
    { why: 'shared code imports node:fs', code: `import * as fs from 'node:fs';\nexport const probe = fs;`, fails: [OUTSIDE] },
    { why: 'shared code imports the engine', code: `import { Trainer } from '../engine/train/trainer';\nexport const probe = Trainer;`, fails: [OUTSIDE] },
    { why: 'shared code uses process', code: `export const probe = process.pid;`, fails: NO_GLOBAL },
    { why: 'shared code uses document', code: `export const probe = document.title;`, fails: NO_GLOBAL },
  ],
  'src/engine': [
    { why: 'the engine imports shared code and node:fs', code: `import * as fs from 'node:fs';\nimport { toJson } from '../shared/nonfinite';\nexport const probe = [fs, toJson];`, fails: null },
    { why: 'the engine imports vscode', code: `import * as vscode from 'vscode';\nexport const probe = vscode;`, fails: [OUTSIDE] },
    { why: 'the engine imports host code', code: `import { RunManager } from '../extension/runs/run-manager';\nexport const probe = RunManager;`, fails: [OUTSIDE] },
    { why: 'the engine imports webview code', code: `import { h } from '../../webview/dom';\nexport const probe = h;`, fails: [OUTSIDE] },
    { why: 'the engine uses document', code: `export const probe = document.title;`, fails: NO_GLOBAL },
  ],
  'src/extension': [
    { why: 'the host imports vscode and shared code', code: `import * as vscode from 'vscode';\nimport { toJson } from '../shared/nonfinite';\nexport const probe = [vscode, toJson];`, fails: null },
    { why: 'the host imports the engine', code: `import { Trainer } from '../engine/train/trainer';\nexport const probe = Trainer;`, fails: [OUTSIDE] },
    { why: 'the host imports webview code', code: `import { h } from '../../webview/dom';\nexport const probe = h;`, fails: [OUTSIDE] },
    { why: 'the host uses document', code: `export const probe = document.title;`, fails: NO_GLOBAL },
  ],
  webview: [
    { why: 'the webview uses the DOM and shared code', code: `import { toJson } from '../src/shared/nonfinite';\nexport const probe = [document.title, toJson];`, fails: null },
    { why: 'the webview imports vscode', code: `import * as vscode from 'vscode';\nexport const probe = vscode;`, fails: [OUTSIDE] },
    { why: 'the webview imports node:fs', code: `import * as fs from 'node:fs';\nexport const probe = fs;`, fails: [OUTSIDE] },
    { why: 'the webview imports host code', code: `import { RunManager } from '../src/extension/runs/run-manager';\nexport const probe = RunManager;`, fails: [OUTSIDE] },
    { why: 'the webview uses process', code: `export const probe = process.pid;`, fails: NO_GLOBAL },
  ],
};

/** A part's program with the probe added; the diagnostics that concern the probe. */
function compileProbe(part: string, code: string): ts.Diagnostic[] {
  const configFile = path.join(ROOT, part, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  assert.ok(parsed, `${configFile} parses`);
  const probe = path.join(ROOT, part, '__boundary_probe__.ts');
  const host = ts.createCompilerHost(parsed.options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => path.resolve(f) === probe || fileExists.call(host, f);
  host.readFile = (f) => (path.resolve(f) === probe ? code : readFile.call(host, f));
  host.getSourceFile = (f, lang, ...rest) => (path.resolve(f) === probe
    ? ts.createSourceFile(f, code, lang, true)
    : getSourceFile.call(host, f, lang, ...rest));
  const program = ts.createProgram({ rootNames: [...parsed.fileNames, probe], options: parsed.options, host });
  const source = program.getSourceFile(probe);
  assert.ok(source, 'the probe is in the program');
  const all = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...program.getSemanticDiagnostics(source), ...program.getSyntacticDiagnostics(source)];
  // TS6307 is reported against the importing file (the probe) or without a file.
  return all.filter((d) => !d.file || path.resolve(d.file.fileName) === probe);
}

describe('boundaries held by the compiler (one tsconfig per part)', function () {
  this.timeout(120_000);
  for (const [part, probes] of Object.entries(PARTS)) {
    it(`${part}: ${probes.map((p) => (p.fails ? `✗ ${p.why}` : `✓ ${p.why}`)).join('; ')}`, () => {
      for (const p of probes) {
        const diags = compileProbe(part, p.code);
        const text = diags.map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`).join('\n');
        if (p.fails === null) assert.equal(diags.length, 0, `${p.why}: should compile, got\n${text}`);
        else assert.ok(diags.some((d) => p.fails!.includes(d.code)), `${p.why}: should fail with TS${p.fails.join('/TS')}, got\n${text || '(no error)'}`);
      }
    });
  }
});
