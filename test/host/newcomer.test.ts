/**
 * The first-run experience as package.json and the templates declare it (issue 11): activation on
 * the file, the walkthrough, the dashboard keybindings, the Runs tree's context menu, and the New
 * Experiment picker. The same, in a real VS Code: test/vscode/suite/newcomer.test.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkConfigText } from '../../src/engine/config/validate';
import { DASHBOARD_KEYS } from '../../src/shared/keybindings';
import { BLANK, CATALOGUE, LESSONS, listTemplates, templatePickEntries, templateText, uniqueFile } from '../../src/extension/templates';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLES = path.join(ROOT, 'examples');

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: { command: string }[];
    languages: { id: string; filenamePatterns?: string[] }[];
    walkthroughs: { id: string; steps: { id: string; description: string; media: { markdown?: string }; completionEvents: string[] }[] }[];
    keybindings: { command: string; key: string; when: string; args?: unknown }[];
    menus: Record<string, { command: string; when: string; group?: string }[]>;
  };
}
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
const declared = new Set(manifest.contributes.commands.map((c) => c.command));

describe('first hour: package.json', () => {
  it('activates on the *.nn.json language and on a workspace containing one', () => {
    const language = manifest.contributes.languages.find((l) => l.filenamePatterns?.includes('*.nn.json'));
    assert.ok(language, 'a language claims *.nn.json');
    assert.ok(manifest.activationEvents.includes(`onLanguage:${language.id}`), `onLanguage:${language.id}`);
    assert.ok(manifest.activationEvents.includes('workspaceContains:**/*.nn.json'));
  });

  it('walkthrough: create, train, pause + LR, gradient check, search example; each step a command, its why and media', () => {
    const [w] = manifest.contributes.walkthroughs;
    assert.deepEqual(w.steps.map((s) => s.id), ['create', 'train', 'pause', 'gradcheck', 'search']);
    for (const s of w.steps) {
      const links = [...s.description.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]);
      assert.ok(links.length > 0, `${s.id} links a command`);
      for (const c of links) assert.ok(declared.has(c), `${s.id}: ${c} is declared`);
      assert.equal(s.completionEvents.length, 1);
      const done = s.completionEvents[0].replace(/^onCommand:/, '');
      assert.ok(links.includes(done), `${s.id} completes on a command it links (${done})`);
      const md = fs.readFileSync(path.join(ROOT, s.media.markdown!), 'utf8');
      assert.match(md, /\*\*Why:\*\*/, `${s.id}: its markdown says why`);
    }
    const search = w.steps.find((s) => s.id === 'search')!;
    const arg = /openExample\?([^)]+)\)/.exec(search.description)![1];
    const [relative] = JSON.parse(decodeURIComponent(arg)) as string[];
    assert.ok(fs.existsSync(path.join(EXAMPLES, relative)), `the search step opens ${relative}`);
  });

  it('Pause/Resume and Step have keys while a dashboard is the active webview panel, the keys the tooltips show', () => {
    const keys = manifest.contributes.keybindings;
    const on = (command: string) => keys.filter((k) => k.command === command);
    for (const k of keys) assert.match(k.when, /activeWebviewPanelId == 'gradientLab\.dashboard'/);
    assert.equal(on('gradientLab.pause')[0].key.toUpperCase(), DASHBOARD_KEYS.pauseResume);
    assert.equal(on('gradientLab.resume')[0].key.toUpperCase(), DASHBOARD_KEYS.pauseResume);
    assert.equal(on('gradientLab.step')[0].key.toUpperCase(), DASHBOARD_KEYS.step);
    assert.deepEqual(on('gradientLab.step')[0].args, { iterations: 1 });
    // Same key, never both: one when clause needs running, the other paused/diverged.
    assert.match(on('gradientLab.pause')[0].when, /running/);
    assert.doesNotMatch(on('gradientLab.pause')[0].when, /paused/);
    assert.match(on('gradientLab.resume')[0].when, /paused/);
  });

  it('every command that acts on a run is in the Runs tree\'s context menu (not only inline)', () => {
    const context = manifest.contributes.menus['view/item/context'].filter((m) => !m.group?.startsWith('inline'));
    const forRun = (viewItem: string) => new Set(context.filter((m) => new RegExp(m.when.replace(/^.*viewItem =~ \/(.*)\/.*$/, '$1')).test(viewItem)).map((m) => m.command));
    const live = forRun('glRun state=running live=1 resumable=0');
    for (const c of ['pause', 'stop', 'step', 'setLearningRate', 'runGradientCheck', 'evaluateTest', 'findLearningRate', 'openDashboard', 'compareRuns', 'exportMetrics', 'revealRunFolder', 'diagnose']) {
      assert.ok(live.has(`gradientLab.${c}`), `live run: ${c}`);
    }
    assert.ok(forRun('glRun state=paused live=1 resumable=0').has('gradientLab.resume'));
    const done = forRun('glRun state=finished live=0 resumable=1');
    for (const c of ['resumeFromCheckpoint', 'startTraining', 'overfitOneBatch', 'diagnose', 'openDashboard', 'exportMetrics']) {
      assert.ok(done.has(`gradientLab.${c}`), `finished run: ${c}`);
    }
    assert.ok(!done.has('gradientLab.pause') && !done.has('gradientLab.stop'), 'a finished run offers no pause/stop');
    const trial = forRun('glTrial trial=running search=live run=1');
    for (const c of ['pauseTrial', 'killTrial', 'openDashboard', 'openSearch']) assert.ok(trial.has(`gradientLab.${c}`), `trial: ${c}`);
  });
});

describe('first hour: New Experiment templates', () => {
  it('every shipped example has a lesson and a one-line description; each is a valid experiment', async () => {
    const templates = await listTemplates(EXAMPLES);
    assert.ok(templates.length >= 13);
    for (const t of templates) {
      assert.ok(CATALOGUE[t.relative], `${t.relative} is in the catalogue`);
      assert.ok(t.description && !t.description.includes('\n') && t.description.length <= 100, `${t.relative}: one line`);
      const check = checkConfigText(fs.readFileSync(t.file!, 'utf8'));
      assert.ok(check.ok, `${t.relative} validates`);
    }
    assert.ok(checkConfigText(BLANK.text!).ok, 'Blank validates');
  });

  it('the picker groups by course lesson with a separator each, Blank first', async () => {
    const entries = templatePickEntries(await listTemplates(EXAMPLES), true);
    const separators = entries.flatMap((e) => ('separator' in e ? [e.separator] : []));
    for (const lesson of ['Initialisation', 'Regularisation', 'Optimisation', 'Batch norm', 'Softmax', 'Hyperparameter search'] as const) {
      assert.ok(separators.includes(lesson), lesson);
    }
    assert.deepEqual(separators, LESSONS.filter((l) => separators.includes(l)), 'in course order');
    assert.deepEqual(entries[0], { separator: 'Start here' });
    assert.deepEqual(entries[1], { template: BLANK });
    // No empty group: every separator is followed by a template.
    entries.forEach((e, i) => {
      if ('separator' in e) assert.ok(entries[i + 1] && 'template' in entries[i + 1], `${e.separator} has templates`);
    });
  });

  it('the new file is named after the template, uniquely, and its "name" follows the file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-templates-'));
    const [he] = (await listTemplates(EXAMPLES)).filter((t) => t.relative === 'initialization.he.nn.json');
    const first = await uniqueFile(dir, he.relative);
    assert.equal(path.basename(first), 'initialization.he.nn.json');
    fs.writeFileSync(first, await templateText(he, first));
    const second = await uniqueFile(dir, he.relative);
    assert.equal(path.basename(second), 'initialization.he-2.nn.json');
    const text = await templateText(he, second);
    assert.equal((JSON.parse(text) as { name: string }).name, 'initialization.he-2');
    assert.ok(checkConfigText(text).ok);
    const blank = await templateText(BLANK, path.join(dir, 'blank.nn.json'));
    assert.equal((JSON.parse(blank) as { name: string }).name, 'blank');
  });
});
