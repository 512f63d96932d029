/**
 * The search view's messages are untrusted input (parseWebviewMessage), the search process's
 * messages are checked for type and version (parseSearchMessage), and the search view is served
 * with the same strict HTML as the dashboard plus its own stylesheet.
 */
import * as assert from 'node:assert/strict';
import { SEARCH_PROTOCOL_VERSION } from '../../src/shared/search-protocol';
import { MAX_ADD_TRIALS, parseWebviewMessage } from '../../src/shared/webview-protocol';
import { parseSearchMessage } from '../../src/shared/search-protocol';
import { renderWebviewHtml } from '../../src/extension/ui/html';
import { searchContextValue, trialContextValue } from '../../src/extension/search/search-tree-values';
import { emptySearchView } from '../../src/shared/search-view';

describe('host: search view messages', () => {
  it('accepts well-formed search messages', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'searchTrial', command: 'kill', id: 3 }), { type: 'searchTrial', command: 'kill', id: 3 });
    for (const command of ['pause', 'resume', 'kill', 'openDashboard', 'promote']) {
      assert.deepEqual(parseWebviewMessage({ type: 'searchTrial', command, id: 1 }), { type: 'searchTrial', command, id: 1 });
    }
    for (const command of ['stop', 'resume', 'exportBest', 'openExperiment', 'addTrials', 'exportCsv']) {
      assert.deepEqual(parseWebviewMessage({ type: 'searchControl', command }), { type: 'searchControl', command });
    }
    assert.deepEqual(parseWebviewMessage({ type: 'searchControl', command: 'addTrials', count: 4 }), { type: 'searchControl', command: 'addTrials', count: 4 });
    assert.deepEqual(
      parseWebviewMessage({ type: 'searchRendered', dir: '/r/s', trials: 6, done: 2, running: 2, best: null, points: 4, extra: 'dropped' }),
      { type: 'searchRendered', dir: '/r/s', trials: 6, done: 2, running: 2, best: null, points: 4 },
    );
    assert.deepEqual(
      parseWebviewMessage({ type: 'searchRendered', dir: '/r/s', trials: 6, done: 6, running: 0, best: 4, points: 12 }),
      { type: 'searchRendered', dir: '/r/s', trials: 6, done: 6, running: 0, best: 4, points: 12 },
    );
  });

  it('rejects anything else', () => {
    const bad: unknown[] = [
      { type: 'searchTrial', command: 'kill' },
      { type: 'searchTrial', command: 'kill', id: 0 },
      { type: 'searchTrial', command: 'kill', id: -1 },
      { type: 'searchTrial', command: 'kill', id: 1.5 },
      { type: 'searchTrial', command: 'kill', id: '3' },
      { type: 'searchTrial', command: 'kill', id: 2_000_000 },
      { type: 'searchTrial', command: 'delete', id: 3 },
      { type: 'searchTrial', command: 'setLearningRate', id: 3 },
      { type: 'searchControl', command: 'rm -rf' },
      { type: 'searchControl' },
      { type: 'searchControl', command: 'addTrials', count: 0 },
      { type: 'searchControl', command: 'addTrials', count: MAX_ADD_TRIALS + 1 },
      { type: 'searchControl', command: 'addTrials', count: 2.5 },
      { type: 'searchControl', command: 'addTrials', count: '3' },
      { type: 'searchControl', command: 'stop', count: 3 },
      { type: 'searchRendered', dir: '/r/s', trials: -1, done: 0, running: 0, best: null, points: 0 },
      { type: 'searchRendered', dir: 7, trials: 1, done: 0, running: 0, best: null, points: 0 },
      { type: 'searchRendered', dir: '/r/s', trials: 1, done: 0, running: 0, best: 'x', points: 0 },
      { type: 'searchRendered', dir: 'x'.repeat(5000), trials: 1, done: 0, running: 0, best: null, points: 0 },
      { type: 'searchSnapshot', view: {} },
      null,
      'searchTrial',
    ];
    for (const m of bad) assert.equal(parseWebviewMessage(m), null, JSON.stringify(m)?.slice(0, 120));
  });

  it('checks the search process messages: version, type, trial records', () => {
    const ok = parseSearchMessage({ v: SEARCH_PROTOCOL_VERSION, type: 'progress', done: 1, running: 1, queued: 0, paused: 0, total: 2, round: 0, best: null });
    assert.ok('event' in ok && ok.event.type === 'progress' && !('v' in ok.event));
    assert.ok('reason' in parseSearchMessage({ v: 99, type: 'progress' }));
    assert.ok('reason' in parseSearchMessage({ v: SEARCH_PROTOCOL_VERSION, type: 'runInfo' }));
    assert.ok('reason' in parseSearchMessage({ v: SEARCH_PROTOCOL_VERSION, type: 'trial', change: 'added' }));
    assert.ok('reason' in parseSearchMessage({ v: SEARCH_PROTOCOL_VERSION, type: 'trial', change: 'added', trial: { id: 'x' } }));
    assert.ok('event' in parseSearchMessage({ v: SEARCH_PROTOCOL_VERSION, type: 'trial', change: 'added', trial: { id: 2 } }));
    assert.ok('reason' in parseSearchMessage(null));
  });

  it('serves the search view with the dashboard\'s CSP, stylesheet and script, plus its own stylesheet', () => {
    const html = renderWebviewHtml({
      cspSource: 'https://x.vscode-cdn.net', styleUri: 'https://x/media/dashboard.css', scriptUri: 'https://x/dist/webview.js',
      extraStyleUris: ['https://x/dist/webview.css'], view: 'search', title: 'Search: moons', nonce: 'abc123',
    });
    assert.ok(html.includes('<body data-view="search">'));
    assert.ok(html.includes('<link rel="stylesheet" href="https://x/media/dashboard.css">\n<link rel="stylesheet" href="https://x/dist/webview.css">\n<title>'));
    assert.ok(html.includes("script-src 'nonce-abc123'"));
    assert.ok(!/unsafe-inline|unsafe-eval/.test(html));
    const plain = renderWebviewHtml({ cspSource: 'c', styleUri: 's', scriptUri: 'j', view: 'dashboard', title: 't', nonce: 'n' });
    assert.ok(plain.includes('<link rel="stylesheet" href="s">\n<title>'), 'other views are unchanged');
  });

  it('tree menus: trial rows never match the run menus, search rows say what they allow', () => {
    const view = emptySearchView('/runs/s');
    view.live = true;
    view.state = 'running';
    const t = { id: 1, name: 'trial-001', round: 0, values: {}, coords: {}, state: 'running' as const, metric: null, metricName: 'devError' as const, curve: [], epoch: 1, epochs: 5, runDir: '/runs/s/trial-001', best: false, attempts: 1 };
    const trial = trialContextValue(view, t);
    assert.equal(trial, 'glTrial trial=running search=live run=1');
    for (const runMenu of [/glRun/, /live=1/, /live=0/, /state=(running|starting) live=1/]) assert.ok(!runMenu.test(trial), String(runMenu));
    assert.match(trial, /glTrial trial=(running|queued) search=live/);
    assert.equal(searchContextValue(view), 'glSearch searchState=running owned=1 best=0 resumable=0');
    view.live = false;
    view.state = 'stopped';
    const search = searchContextValue(view);
    assert.equal(search, 'glSearch searchState=stopped owned=0 best=0 resumable=1');
    for (const runMenu of [/glRun/, /live=1/, /live=0/, /live=0 resumable=1/]) assert.ok(!runMenu.test(search), String(runMenu));
    assert.equal(trialContextValue(view, t), 'glTrial trial=stopped search=past run=1', 'an interrupted trial');
  });
});
