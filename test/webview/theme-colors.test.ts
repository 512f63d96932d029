/**
 * Colours the high-contrast themes leave undefined. VS Code derives charts.orange from
 * editor.findMatchHighlightBackground, which hcDark and hcLight set to null: the variable
 * --vscode-charts-orange does not exist there, and a rule using it without a fallback draws
 * nothing (the bias/variance card's Dev bar was missing in Light High Contrast, issue 11 §6).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
/** Theme colours null in a high-contrast theme of VS Code 1.9x (colorRegistry). */
const UNSET_IN_HIGH_CONTRAST = ['--vscode-charts-orange'];

describe('dashboard colours in high-contrast themes', () => {
  const css = fs.readFileSync(path.join(ROOT, 'media', 'dashboard.css'), 'utf8');
  const sheets = ['media/dashboard.css', 'webview/search/search.css'];

  for (const name of UNSET_IN_HIGH_CONTRAST) {
    for (const sheet of sheets) {
      it(`every var(${name}) in ${sheet} has a fallback`, () => {
        const text = fs.readFileSync(path.join(ROOT, sheet), 'utf8');
        const uses = [...text.matchAll(new RegExp(`var\\(\\s*${name}\\s*([,)])`, 'g'))];
        assert.ok(uses.length > 0, `${name} is used`);
        const bare = uses.filter((m) => m[1] === ')').map((m) => text.slice(0, m.index).split('\n').length);
        assert.deepEqual(bare, [], `lines using ${name} with nothing to fall back on`);
      });
    }
  }

  it('the Dev bar has a colour of its own in every theme', () => {
    const rule = /\.bar-dev\s*\{([^}]*)\}/.exec(css);
    assert.ok(rule, '.bar-dev rule');
    assert.match(rule[1], /background:\s*var\(--vscode-charts-orange,\s*var\(--gl-orange\)\)/);
    assert.match(css, /--gl-orange:\s*var\(--vscode-editorWarning-foreground,\s*#[0-9a-f]{6}\)/i, 'the fallback ends in a literal colour');
  });
});
