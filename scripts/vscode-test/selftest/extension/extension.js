// Minimal extension for the harness self-test. Plain CommonJS so it needs no build step.
// The command returns facts about the host it runs in (what the suite asserts on) and shows a
// notification (what the e2e screenshot shows).
const vscode = require('vscode');

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('harnessSelftest.hello', () => {
      const result = {
        greeting: 'hello from the harness selftest',
        node: process.version,
        uiKind: vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop',
        remoteName: vscode.env.remoteName ?? null,
      };
      void vscode.window.showInformationMessage(`Harness selftest: ${result.greeting} (Node ${result.node})`);
      return result;
    }),
    // A webview panel for exercising webviewFrame(): the e2e test reads and clicks inside it.
    vscode.commands.registerCommand('harnessSelftest.showPanel', () => {
      const panel = vscode.window.createWebviewPanel('harnessSelftest', 'Harness Selftest Panel', vscode.ViewColumn.One, {
        enableScripts: true,
      });
      panel.webview.html = panelHtml(panel.webview);
      panel.webview.onDidReceiveMessage((msg) => {
        if (msg && msg.type === 'clicked') void vscode.window.showInformationMessage(`Harness selftest: panel clicked ${msg.count}`);
      });
      return true;
    }),
  );
}

function panelHtml(webview) {
  const nonce = Math.random().toString(36).slice(2);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';">
</head><body>
<h1 id="title">Harness selftest webview</h1>
<button id="btn">Click me</button> <span id="count">clicked 0</span>
<script nonce="${nonce}">
  const vscode = acquireVsCodeApi();
  let n = 0;
  document.getElementById('btn').addEventListener('click', () => {
    n += 1;
    document.getElementById('count').textContent = 'clicked ' + n;
    vscode.postMessage({ type: 'clicked', count: n });
  });
</script>
</body></html>`;
}

function deactivate() {}

module.exports = { activate, deactivate };
