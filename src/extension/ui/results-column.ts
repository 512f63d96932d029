/**
 * The one editor group Gradient Lab's result panels (dashboards, comparisons, search views) share. The first panel
 * opens beside the active editor; every later one joins the group of the panel used last, so three
 * runs make three tabs in one column instead of four editor groups of shrinking width. Once every
 * panel is closed (and VS Code removed the empty group) the next one opens beside again.
 */
import * as vscode from 'vscode';

export class ResultsColumn {
  /** Open result panels, the one used last at the end. */
  private readonly panels: vscode.WebviewPanel[] = [];

  /** Where the next result panel goes. */
  column(): vscode.ViewColumn {
    for (let i = this.panels.length - 1; i >= 0; i--) {
      const c = this.panels[i].viewColumn;
      if (c !== undefined) return c;
    }
    return vscode.ViewColumn.Beside;
  }

  /** Follows a panel until it is closed; the group it was last active in is where the next one goes. */
  track(panel: vscode.WebviewPanel): void {
    if (this.panels.includes(panel)) {
      this.touch(panel);
      return;
    }
    this.touch(panel);
    const subs = [
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.active) this.touch(panel);
      }),
      panel.onDidDispose(() => {
        const i = this.panels.indexOf(panel);
        if (i >= 0) this.panels.splice(i, 1);
        for (const s of subs) s.dispose();
      }),
    ];
  }

  private touch(panel: vscode.WebviewPanel): void {
    const i = this.panels.indexOf(panel);
    if (i >= 0) this.panels.splice(i, 1);
    this.panels.push(panel);
  }
}
