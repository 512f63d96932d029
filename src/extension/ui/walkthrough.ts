/** Opens the "Get started" walkthrough once, on the first activation after install. */
import * as vscode from 'vscode';

export const WALKTHROUGH_ID = 'gradient-lab.gradient-lab#gradientLab.firstHour';
const SHOWN_KEY = 'gradientLab.walkthroughShown';

export async function showWalkthroughOnFirstRun(context: vscode.ExtensionContext): Promise<boolean> {
  // Extension tests start from a fresh profile every time: no walkthrough tab in the way there.
  if (context.globalState.get<boolean>(SHOWN_KEY) || context.extensionMode === vscode.ExtensionMode.Test) return false;
  // Ours, and VS Code's own switch for walkthroughs on install (code-server does not know that one;
  // the E2E runs turn both off so the walkthrough does not cover the editor they click in).
  if (!vscode.workspace.getConfiguration('gradientLab').get<boolean>('openWalkthroughOnFirstRun', true)) return false;
  if (vscode.workspace.getConfiguration('workbench.welcomePage').get<boolean>('walkthroughs.openOnInstall') === false) return false;
  // Activated by opening an experiment: the person is working in that file; the walkthrough waits
  // for a later activation rather than covering it (it is in Help › Get Started all along).
  if (vscode.window.activeTextEditor) return false;
  await context.globalState.update(SHOWN_KEY, true);
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false);
  return true;
}
