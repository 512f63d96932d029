/**
 * Searches in the Runs tree: a node per search (state, progress, best so far) with its trials
 * nested under it. A trial row is the trial's Run (so selecting it shows it in the Live view and
 * opening it shows the normal dashboard), drawn from the search's record of the trial.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrialRecord } from '../../shared/search-protocol';
import { bestTrialOf, countTrials, dimensionLabels, formatMetric, formatSearchValue, METRIC_LABEL, shownTrialState } from '../../shared/search-view';
import { STATE_COLORS, STATE_ICONS } from '../runs/format';
import type { Run } from '../runs/run-manager';
import { Search, type SearchManager } from './search-manager';
import { describeSearch, describeValues, searchContextValue, TRIAL_COLORS, TRIAL_ICONS, trialContextValue } from './search-tree-values';


export type RunsTreeElement = Run | Search;

/** What the Runs tree asks of the search side (undefined: "not mine, a normal run"). */
export interface SearchTreeSource {
  /** A search (or the whole tree, with undefined) needs redrawing. */
  readonly onDidChange: vscode.Event<Search | undefined>;
  roots(runs: Run[]): RunsTreeElement[];
  children(element: RunsTreeElement): RunsTreeElement[] | undefined;
  parent(element: RunsTreeElement): RunsTreeElement | undefined;
  treeItem(element: RunsTreeElement): vscode.TreeItem | undefined;
  /** Whether the element is still in the tree; undefined when it is not a search or a trial. */
  contains(element: RunsTreeElement): boolean | undefined;
}

export class SearchTree implements SearchTreeSource, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Search | undefined>();
  readonly onDidChange = this.emitter.event;
  private readonly subs: { dispose(): void }[];

  constructor(private readonly searches: SearchManager) {
    this.subs = [
      searches.onDidChangeSearches(() => this.emitter.fire(undefined)),
      searches.onDidUpdateSearch((s) => this.emitter.fire(s)),
    ];
  }

  roots(runs: Run[]): RunsTreeElement[] {
    const searches = this.searches.list();
    if (!searches.length) return runs;
    // Both lists are newest first (folder names start with a time stamp), live ones on top.
    const key = (e: RunsTreeElement): [number, string] => e instanceof Search
      ? [e.live || !e.dir ? 1 : 0, e.dir ? path.basename(e.dir) : '~']
      : [e.live || e.pending ? 1 : 0, e.pending ? '~' : path.basename(e.runDir || e.id)];
    const before = (a: RunsTreeElement, b: RunsTreeElement): boolean => {
      const [la, na] = key(a);
      const [lb, nb] = key(b);
      return la !== lb ? la > lb : na > nb;
    };
    const sorted = [...searches].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    const out: RunsTreeElement[] = [];
    let i = 0;
    for (const r of runs) {
      while (i < sorted.length && before(sorted[i], r)) out.push(sorted[i++]);
      out.push(r);
    }
    while (i < sorted.length) out.push(sorted[i++]);
    return out;
  }

  children(element: RunsTreeElement): RunsTreeElement[] | undefined {
    if (element instanceof Search) return this.searches.trialRunsOf(element);
    return this.searches.isTrial(element) ? [] : undefined;
  }

  parent(element: RunsTreeElement): RunsTreeElement | undefined {
    if (element instanceof Search) return undefined;
    return this.searches.trialOf(element)?.search;
  }

  contains(element: RunsTreeElement): boolean | undefined {
    if (element instanceof Search) return this.searches.list().includes(element);
    return this.searches.isTrial(element) ? true : undefined;
  }

  treeItem(element: RunsTreeElement): vscode.TreeItem | undefined {
    if (element instanceof Search) return this.searchItem(element);
    const info = this.searches.trialOf(element);
    return info ? this.trialItem(info.search, info.trial, element) : undefined;
  }

  private searchItem(search: Search): vscode.TreeItem {
    const v = search.view;
    const item = new vscode.TreeItem(v.name || 'search', search.live || v.external ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `search:${search.key}`;
    item.description = `search · ${describeSearch(v)}`;
    const icon = v.state === 'starting' ? STATE_ICONS.starting : v.state === 'running' ? STATE_ICONS.running : 'graph-scatter';
    const color = v.state === 'finished' ? STATE_COLORS.finished : v.state === 'failed' ? STATE_COLORS.crashed : undefined;
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    const c = countTrials(v.trials);
    const best = bestTrialOf(v);
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${v.name}** — hyperparameter search, ${v.state}${v.live ? ' (live)' : ''}\n\n`);
    if (v.stateReason) md.appendMarkdown(`_${v.stateReason}_\n\n`);
    md.appendMarkdown(`- ${c.total} trials: ${c.done} done, ${c.running} running, ${c.paused} paused, ${c.queued} queued\n`);
    md.appendMarkdown(`- round ${Math.max(1, v.roundBoxes.length)} of ${v.rounds}, ${v.parallel} at once, ${v.epochsPerTrial} epochs each\n`);
    md.appendMarkdown(`- ranked by ${METRIC_LABEL[v.metric]} (${v.mode === 'min' ? 'lower' : 'higher'} is better)\n`);
    if (best) md.appendMarkdown(`- best: ${best.name}, ${formatMetric(best.metricName, best.metric)} — ${describeValues(v, best)}\n`);
    if (v.dir) md.appendMarkdown(`- folder: \`${v.dir}\`\n`);
    item.tooltip = md;
    item.contextValue = searchContextValue(v);
    item.command = v.dir ? { command: 'gradientLab.openSearch', title: 'Open Search View', arguments: [search] } : undefined;
    item.accessibilityInformation = { label: `search ${v.name}, ${v.state}, ${describeSearch(v)}` };
    return item;
  }

  private trialItem(search: Search, t: TrialRecord, run: Run): vscode.TreeItem {
    const v = search.view;
    const state = shownTrialState(v, t);
    const best = v.bestTrial === t.id;
    // The best trial's icon is a star (its row says "best" for screen readers).
    const item = new vscode.TreeItem(t.name, vscode.TreeItemCollapsibleState.None);
    item.id = `trial:${search.key}:${t.id}`;
    const metric = t.metric !== null ? `${METRIC_LABEL[t.metricName]} ${formatMetric(t.metricName, t.metric)}` : '';
    item.description = [best ? `best · ${state}` : state, metric, t.epoch ? `epoch ${t.epoch}/${t.epochs}` : '', describeValues(v, t)].filter(Boolean).join(' · ');
    const color = best ? 'charts.yellow' : TRIAL_COLORS[state];
    item.iconPath = new vscode.ThemeIcon(best && state === 'finished' ? 'star-full' : TRIAL_ICONS[state], color ? new vscode.ThemeColor(color) : undefined);
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${t.name}**${best ? ' ★ best so far' : ''} — ${state}, round ${t.round + 1}\n\n`);
    if (t.note) md.appendMarkdown(`_${t.note}_\n\n`);
    if (t.error) md.appendMarkdown(`_${t.error.split('\n')[0]}_\n\n`);
    const labels = dimensionLabels(v.space);
    v.space.forEach((d, i) => md.appendMarkdown(`- ${labels[i]} = ${formatSearchValue(d, t.values[d.path])} \`${d.path}\`\n`));
    md.appendMarkdown(`- ${METRIC_LABEL[t.metricName]}: ${formatMetric(t.metricName, t.metric)} at epoch ${t.epoch} of ${t.epochs}\n`);
    if (t.runDir) md.appendMarkdown(`- run folder: \`${t.runDir}\`\n`);
    item.tooltip = md;
    item.contextValue = trialContextValue(v, t);
    item.command = t.runDir ? { command: 'gradientLab.openDashboard', title: 'Open Dashboard', arguments: [run] } : undefined;
    item.accessibilityInformation = { label: `${t.name}${best ? ', best' : ''}, ${state}, ${metric}` };
    return item;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.emitter.dispose();
  }
}
