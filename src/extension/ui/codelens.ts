/**
 * CodeLens at the top of every *.nn.json: "▶ Train", "Diagnose", "✓ Gradient check", and "Search"
 * (hyperparameter search) when it has a search block; only "▶ Train" when it names a Python script.
 */
import * as vscode from 'vscode';
import { pythonEngineOf } from '../runs/python-script';

interface LensSpec {
  title: string;
  command: string;
  tooltip: string;
  /** Shown only when this returns true for the document text. */
  when?: (text: string) => boolean;
}

/** True when the experiment has a top-level "search" block (for the hyperparameter-search lens). */
export function hasSearchBlock(text: string): boolean {
  try {
    const json = JSON.parse(text) as unknown;
    const search = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).search : undefined;
    return typeof search === 'object' && search !== null && !Array.isArray(search);
  } catch {
    return /"search"\s*:\s*\{/.test(text);
  }
}

const LENSES: LensSpec[] = [
  { title: '▶ Train', command: 'gradientLab.startTraining', tooltip: 'Train this experiment and open its dashboard' },
  { title: '$(pulse) Diagnose', command: 'gradientLab.diagnose', tooltip: 'Sanity checks in seconds (loss at init, overfit 20 examples, baselines, gradient check, update ratio, dead units, learning-rate range test): a report card with fixes' },
  { title: '✓ Gradient check', command: 'gradientLab.runGradientCheck', tooltip: 'Start paused and compare backprop with numerical gradients' },
  { title: '$(graph-scatter) Search', command: 'gradientLab.startSearch', tooltip: 'Start the hyperparameter search of this experiment\'s "search" block', when: hasSearchBlock },
];

export class ExperimentCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sub = vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire());

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const range = new vscode.Range(0, 0, 0, 0);
    if (!vscode.workspace.isTrusted) {
      return [new vscode.CodeLens(range, {
        title: '$(shield) Training is disabled in Restricted Mode',
        tooltip: 'Training runs the experiment (reads the data files it names, writes run folders). Trust this workspace to enable it.',
        command: 'workbench.trust.manage',
      })];
    }
    const text = document.getText();
    const python = pythonEngineOf(text);
    if (python) {
      // Diagnose, the paused gradient check and Search are our engine's; the script's run has the controls.
      return [new vscode.CodeLens(range, {
        title: '▶ Train', command: 'gradientLab.startTraining', arguments: [document.uri],
        tooltip: `Run ${python.python}${python.torchrun ? ` under torchrun (${python.torchrun.nprocPerNode} ranks)` : ''} and open its dashboard`,
      })];
    }
    return LENSES.filter((l) => !l.when || l.when(text)).map((l) => new vscode.CodeLens(range, {
      title: l.title,
      tooltip: l.tooltip,
      command: l.command,
      arguments: [document.uri],
    }));
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}
