import * as assert from 'node:assert/strict';
import { parseEngineMessage } from '../../src/shared/protocol';
import { contentSecurityPolicy, makeNonce, renderWebviewHtml } from '../../src/extension/ui/html';
import { parseWebviewMessage } from '../../src/shared/webview-protocol';

describe('host: message validation', () => {
  it('accepts the well-formed webview messages', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'control', command: 'pause' }), { type: 'control', command: 'pause' });
    assert.deepEqual(parseWebviewMessage({ type: 'setLearningRate', value: 0.01, extra: 'dropped' }), { type: 'setLearningRate', value: 0.01 });
    assert.deepEqual(parseWebviewMessage({ type: 'setSmoothing', value: 0.9 }), { type: 'setSmoothing', value: 0.9 });
    assert.ok(parseWebviewMessage({ type: 'savePng', chart: 'cost', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' }));
    assert.ok(parseWebviewMessage({ type: 'rendered', runId: 'r', epoch: 1, iteration: 3, points: 10 }));
  });

  const malformed: [string, unknown][] = [
    ['null', null],
    ['a string', 'ready'],
    ['an array', [{ type: 'ready' }]],
    ['no type', { command: 'pause' }],
    ['unknown type', { type: 'runShell', cmd: 'rm -rf /' }],
    ['unknown control', { type: 'control', command: 'format' }],
    ['control without command', { type: 'control' }],
    ['negative LR', { type: 'setLearningRate', value: -1 }],
    ['zero LR', { type: 'setLearningRate', value: 0 }],
    ['NaN LR', { type: 'setLearningRate', value: Number.NaN }],
    ['infinite LR', { type: 'setLearningRate', value: Number.POSITIVE_INFINITY }],
    ['string LR', { type: 'setLearningRate', value: '0.1' }],
    ['smoothing 1', { type: 'setSmoothing', value: 1 }],
    ['smoothing < 0', { type: 'setSmoothing', value: -0.1 }],
    ['png path traversal', { type: 'savePng', chart: '../../etc/passwd', dataUrl: 'data:image/png;base64,AA' }],
    ['png wrong data url', { type: 'savePng', chart: 'cost', dataUrl: 'data:text/html;base64,AA' }],
    ['png not a string', { type: 'savePng', chart: 'cost', dataUrl: 42 }],
    ['rendered incomplete', { type: 'rendered', runId: 'r' }],
  ];
  for (const [what, msg] of malformed) {
    it(`rejects a malformed webview message: ${what}`, () => assert.equal(parseWebviewMessage(msg), null));
  }

  it('checks the protocol version and type of engine messages and strips the envelope', () => {
    assert.deepEqual(parseEngineMessage({ v: 2, type: 'state', state: 'running', iteration: 1, epoch: 1 }), { event: { type: 'state', state: 'running', iteration: 1, epoch: 1 } });
    assert.ok('reason' in parseEngineMessage({ v: 1, type: 'state' }));
    assert.ok('reason' in parseEngineMessage({ type: 'state' }));
    assert.ok('reason' in parseEngineMessage({ v: 2, type: 'exec' }));
    assert.ok('reason' in parseEngineMessage('hello'));
    assert.ok('reason' in parseEngineMessage(null));
  });
});

describe('host: webview HTML', () => {
  it('has the strict CSP with a fresh nonce, the stylesheet, the view kind and one nonced script', () => {
    const html = renderWebviewHtml({
      cspSource: 'https://x.vscode-cdn.net', styleUri: 'https://x/media/dashboard.css', scriptUri: 'https://x/dist/webview.js', view: 'dashboard', title: 'T <b>',
    });
    const nonce = /script-src 'nonce-([^']+)'/.exec(html)?.[1];
    assert.ok(nonce && nonce.length >= 20);
    assert.ok(html.includes(`default-src 'none'; img-src https://x.vscode-cdn.net data: blob:; style-src https://x.vscode-cdn.net; font-src https://x.vscode-cdn.net; script-src 'nonce-${nonce}';`));
    assert.ok(html.includes('<link rel="stylesheet" href="https://x/media/dashboard.css">'));
    assert.ok(html.includes('<body data-view="dashboard">'));
    assert.ok(html.includes('<div id="app"></div>'));
    assert.ok(html.includes(`<script nonce="${nonce}" src="https://x/dist/webview.js"></script>`));
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.ok(!html.includes('<b>'), 'title is escaped');
    assert.ok(!html.includes('unsafe-inline') && !html.includes('unsafe-eval'));
  });

  it('makes a different 128-bit nonce each time', () => {
    const a = makeNonce();
    const b = makeNonce();
    assert.notEqual(a, b);
    assert.equal(Buffer.from(a, 'base64').length, 16);
    assert.ok(contentSecurityPolicy('s', a).includes(`'nonce-${a}'`));
  });
});
