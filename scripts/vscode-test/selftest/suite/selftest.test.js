// Runs inside the extension host of a real VS Code (code-server); `vscode` is the real API.
const assert = require('assert');
const vscode = require('vscode');

const EXTENSION_ID = 'gradient-lab-test.harness-selftest';

describe('harness selftest', function () {
  it('registers harnessSelftest.hello and executing it returns a value', async function () {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded as the extension under development`);
    await ext.activate();

    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('harnessSelftest.hello'), 'command not registered');

    const result = await vscode.commands.executeCommand('harnessSelftest.hello');
    assert.strictEqual(result.greeting, 'hello from the harness selftest');
    // Facts the route relies on (see the testing note): Node 24 extension host, web UI, remote.
    assert.match(result.node, /^v24\./);
    assert.strictEqual(result.uiKind, 'web');
    assert.ok(result.remoteName, 'expected a remote extension host');
  });

  it('sees the extensionEnvironment passed with --env', function () {
    assert.strictEqual(process.env.HARNESS_SELFTEST, 'on');
  });

  // Proves a failing test makes run-integration exit non-zero: pass --env '{"FAIL":"1"}'.
  (process.env.FAIL === '1' ? it : it.skip)('fails on purpose when FAIL=1', function () {
    assert.fail('intentional failure (FAIL=1)');
  });
});
