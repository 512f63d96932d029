/** Status bar item for the active run: "$(sync~spin) GL epoch 12 · 0.234"; click opens its dashboard. */
import * as vscode from 'vscode';
import { describeRun, runLabel, statusBarText } from '../runs/format';
import type { Run, RunManager } from '../runs/run-manager';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('gradientLab.activeRun', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly runs: RunManager) {
    this.item.name = 'Gradient Lab: Active Run';
    this.disposables.push(
      runs.onDidChangeActive(() => this.update()),
      runs.onDidChangeRuns(() => this.update()),
      runs.onDidUpdateRun((run) => {
        if (run === runs.activeRun) this.schedule();
      }),
    );
    this.update();
  }

  /** Text currently shown (for tests). */
  get text(): string | undefined {
    return this.item.text || undefined;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.update();
    }, 250);
  }

  private update(): void {
    const run: Run | undefined = this.runs.activeRun;
    if (!run || run.id.startsWith('pending-') && !run.live) {
      this.item.hide();
      return;
    }
    this.item.text = run.id.startsWith('pending-') ? '$(loading~spin) GL starting…' : statusBarText(run.view);
    this.item.tooltip = `Gradient Lab: ${runLabel(run.view)} — ${run.state}\n${describeRun(run.view)}\nClick to open its dashboard.`;
    this.item.command = { command: 'gradientLab.openDashboard', title: 'Open Dashboard', arguments: [run.id] };
    this.item.backgroundColor = run.state === 'crashed' || run.state === 'diverged'
      ? new vscode.ThemeColor(run.state === 'crashed' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground')
      : undefined;
    this.item.show();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.item.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
