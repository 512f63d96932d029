/**
 * The Runs tree: live and past runs, an icon per state, "epoch · cost · dev" as description; and
 * hyperparameter searches (../search/search-tree) with their trials nested under them.
 */
import * as vscode from 'vscode';
import { describeRun, STATE_COLORS, STATE_ICONS, tooltipLines } from '../runs/format';
import type { Run, RunManager } from '../runs/run-manager';
import type { RunsTreeElement, SearchTreeSource } from '../search/search-tree';

export const RUNS_VIEW_ID = 'gradientLab.runs';

/** contextValue tokens used by the menus in package.json, e.g. "glRun state=running live=1 resumable=0". */
export function runContextValue(run: Run): string {
  return `glRun state=${run.state} live=${run.live ? 1 : 0} resumable=${run.resumable ? 1 : 0}`;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsTreeElement>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<RunsTreeElement | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly dirty = new Set<RunsTreeElement>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly runs: RunManager, private readonly searches?: SearchTreeSource) {
    this.disposables.push(
      runs.onDidChangeRuns(() => this.refresh()),
      runs.onDidUpdateRun((run) => this.touch(run)),
    );
    if (searches) this.disposables.push(searches.onDidChange((s) => (s ? this.touch(s) : this.refresh())));
  }

  refresh(): void {
    this.dirty.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.changeEmitter.fire(undefined);
  }

  /** Row updates are batched: at most 4 redraws a second while training. */
  private touch(run: RunsTreeElement): void {
    this.dirty.add(run);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const list = this.runs.list();
      for (const r of this.dirty) if (this.searches?.contains(r) ?? list.includes(r as Run)) this.changeEmitter.fire(r);
      this.dirty.clear();
    }, 250);
  }

  getChildren(element?: RunsTreeElement): RunsTreeElement[] {
    if (element) return this.searches?.children(element) ?? [];
    // A search's trials are runs too; the tree shows them under their search.
    const runs = this.runs.list().filter((r) => !r.owner);
    return this.searches ? this.searches.roots(runs) : runs;
  }

  getParent(element: RunsTreeElement): RunsTreeElement | undefined {
    return this.searches?.parent(element);
  }

  getTreeItem(element: RunsTreeElement): vscode.TreeItem {
    const searchItem = this.searches?.treeItem(element);
    if (searchItem) return searchItem;
    const run = element as Run;
    const pending = run.pending;
    const item = new vscode.TreeItem(pending ? `${run.configPath ? basename(run.configPath) : 'run'} (starting…)` : this.runs.label(run));
    item.id = `run:${pending ? run.id : run.runDir || run.id}`;
    item.description = pending ? 'starting' : describeRun(run.view);
    const color = STATE_COLORS[run.state];
    item.iconPath = new vscode.ThemeIcon(STATE_ICONS[run.state], color ? new vscode.ThemeColor(color) : undefined);
    const md = new vscode.MarkdownString(tooltipLines(run.view, run.live).join('\n'));
    if (run.resumable) md.appendMarkdown('\n\n_Resumable from its last checkpoint._');
    item.tooltip = md;
    item.contextValue = runContextValue(run);
    item.command = pending ? undefined : { command: 'gradientLab.openDashboard', title: 'Open Dashboard', arguments: [run] };
    item.accessibilityInformation = { label: `${this.runs.label(run)}, ${run.state}, ${describeRun(run.view)}` };
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changeEmitter.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function basename(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}
