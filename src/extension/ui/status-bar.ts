/** The status bar item: the active run, a search trial, or a running search (see status-bar-content.ts). */
import * as vscode from 'vscode';
import type { RunManager } from '../runs/run-manager';
import type { SearchManager } from '../search/search-manager';
import { statusBarContent } from './status-bar-content';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('gradientLab.activeRun', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly runs: RunManager, private readonly searches: SearchManager) {
    this.item.name = 'Gradient Lab: Active Run';
    this.disposables.push(
      runs.onDidChangeActive(() => this.update()),
      runs.onDidChangeRuns(() => this.update()),
      runs.onDidUpdateRun((run) => {
        if (run === runs.activeRun) this.schedule();
      }),
      searches.onDidChangeSearches(() => this.update()),
      // Trial records (epoch, metric, state) change with every search event: throttled like runs.
      searches.onDidUpdateSearch(() => this.schedule()),
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
    const active = this.runs.activeRun;
    const content = statusBarContent({ active, activeTrial: this.searches.trialOf(active), liveSearches: this.searches.liveSearches() });
    if (!content) {
      this.item.hide();
      this.item.text = '';
      return;
    }
    this.item.text = content.text;
    this.item.tooltip = content.tooltip;
    this.item.command = { title: 'Open', ...content.command };
    this.item.backgroundColor = content.background
      ? new vscode.ThemeColor(content.background === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground')
      : undefined;
    this.item.show();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.item.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
