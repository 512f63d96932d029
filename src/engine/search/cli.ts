/**
 * `gradient-lab search`: runs (or resumes) a hyperparameter search in this process, its trials in
 * engine child processes (warm ones reused, see launcher.ts). Human output: the space, a progress
 * line per finished trial, a bar (on a terminal), and at the end a table of the trials sorted by
 * metric and the best values.
 * `--json`: every search event as one JSON line. Ctrl-C stops cleanly and prints how to resume.
 */
import { toJson } from '../../shared/nonfinite';
import * as path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { EarlyTerminationConfig } from '../../shared/config';
import {
  choiceText,
  searchBudget,
  type SearchDimension,
  type SearchEvent,
  type SearchInfo,
  type SearchProgress,
  type TrialRecord,
} from '../../shared/search-protocol';
import { rungPlan } from '../../shared/search-rungs';
import { exportBest } from './export';
import { SearchRunner, type SearchResult } from './runner';
import { formatValue } from './sampling';

export interface SearchCliFlags {
  file?: string;
  runs?: string;
  parallel?: number;
  trials?: number;
  resume?: string;
  exportBest?: string;
  json: boolean;
}

const SYMBOL: Record<TrialRecord['state'], string> = {
  queued: '·', running: '▶', paused: '⏸', finished: '✓', killed: '✗', failed: '!', stopped: '■', pruned: '✂',
};

const metricText = (x: number | null): string => (x === null ? '—' : Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : String(x));

/** Short column names: the last field of each path, the whole path where two would clash. */
function shortNames(space: readonly SearchDimension[]): Map<string, string> {
  const last = (p: string): string => p.replace(/\[[^\]]*\]/g, '').split('.').pop() ?? p;
  const counts = new Map<string, number>();
  for (const d of space) counts.set(last(d.path), (counts.get(last(d.path)) ?? 0) + 1);
  return new Map(space.map((d) => [d.path, counts.get(last(d.path))! > 1 ? d.path : last(d.path)]));
}

function describeDimension(d: SearchDimension): string {
  switch (d.scale) {
    case 'log': return `log       10^U(${d.low}, ${d.high}) = ${formatValue(d.min)} … ${formatValue(d.max)}`;
    case 'oneMinusLog': return `1−log     1 − 10^U(${d.low}, ${d.high}) = ${formatValue(d.min)} … ${formatValue(d.max)}`;
    case 'uniform': return `uniform   ${formatValue(d.min)} … ${formatValue(d.max)}`;
    case 'int': return `int       ${d.min} … ${d.max} (inclusive)`;
    case 'choice': return `choice    ${d.choices.map(String).join(' | ')}`;
  }
}

/** The rule in one line: `asha (η = 3): rungs at epochs 1, 3, 9` … */
export function describeRule(rule: EarlyTerminationConfig, epochsPerTrial: number): string {
  if (rule.type === 'median') return `median stopping after ${rule.graceEpochs} grace epochs`;
  const plan = rungPlan(rule, epochsPerTrial);
  if (!plan) return '';
  const rungs = (r: number[]): string => (r.length ? r.join(', ') : 'none: to the end');
  if (plan.kind === 'asha') return `asha (η = ${plan.eta}): a trial waits at each rung unless it is in the top 1/${plan.eta}; rungs at epochs ${rungs(plan.brackets[0])}`;
  return `hyperband (η = ${plan.eta}), ${plan.brackets.length} brackets with rungs at epochs ${plan.brackets.map((b, i) => `[${i}] ${rungs(b)}`).join(' · ')}`;
}

class SearchReporter {
  private bar: SingleBar | null = null;
  private info: SearchInfo | null = null;
  private names = new Map<string, string>();
  private progress: SearchProgress | null = null;

  private line(text: string): void {
    if (this.bar) {
      process.stdout.write(`\r\x1b[K${text}\n`);
      this.bar.render();
    } else {
      console.log(text);
    }
  }

  values(v: Record<string, unknown>): string {
    return Object.entries(v).map(([p, x]) => `${this.names.get(p) ?? p}=${typeof x === 'number' ? formatValue(x) : String(x)}`).join(' ');
  }

  private bestText(p: SearchProgress): string {
    return p.best ? `best trial-${String(p.best.id).padStart(3, '0')} ${this.info?.metric ?? ''} ${metricText(p.best.metric)} (${this.values(p.best.values)})` : 'best —';
  }

  onEvent(e: SearchEvent): void {
    switch (e.type) {
      case 'searchInfo': {
        this.info = e;
        this.names = shortNames(e.space);
        const better = e.mode === 'max' ? 'higher' : 'lower';
        console.log(`${e.name}: ${e.resumed ? 'resuming the ' : ''}random search over ${e.space.length} hyperparameter${e.space.length === 1 ? '' : 's'}, `
          + `${e.rounds} round${e.rounds === 1 ? '' : 's'} × ${e.trials} trials, ${e.parallel} at once, ${e.epochsPerTrial} epochs each, `
          + `ranked by ${e.metric} (${better} is better)`);
        const width = Math.max(...e.space.map((d) => d.path.length));
        for (const d of e.space) console.log(`  ${d.path.padEnd(width)}  ${describeDimension(d)}`);
        const rule = e.earlyTermination ? describeRule(e.earlyTermination, e.epochsPerTrial) : '';
        if (rule) console.log(`early termination: ${rule}`);
        console.log(`search folder: ${e.dir}`);
        if (process.stdout.isTTY) {
          this.bar = new SingleBar({
            format: ' {bar} {value}/{total} trials | running {running} | {best}',
            hideCursor: true, barsize: 24, clearOnComplete: true,
          }, Presets.shades_classic);
          this.bar.start(1, 0, { running: 0, best: 'best —' });
        }
        break;
      }
      case 'round':
        if (e.index > 0) {
          const box = Object.entries(e.box).map(([p, r]) => {
            const dim = this.info?.space.find((d) => d.path === p);
            const name = this.names.get(p) ?? p;
            if ('indices' in r) return `${name} ∈ {${r.indices.map((i) => (dim ? choiceText(dim, i) : String(i))).join(', ')}}`;
            if (dim?.scale === 'log') return `${name} 10^[${r.low.toFixed(2)}, ${r.high.toFixed(2)}]`;
            if (dim?.scale === 'oneMinusLog') return `${name} 1−10^[${r.low.toFixed(2)}, ${r.high.toFixed(2)}]`;
            return `${name} [${formatValue(r.low)}, ${formatValue(r.high)}]`;
          }).join(', ');
          this.line(`round ${e.index + 1}: sampling inside the box of trial${e.basedOn.length === 1 ? '' : 's'} ${e.basedOn.join(', ') || '—'}: ${box}`);
        }
        break;
      case 'trial': {
        if (e.change !== 'finished') break;
        const t = e.trial;
        const p = this.progress;
        const counter = p ? `[${p.done + 1}/${p.total}] ` : '';
        const seconds = t.startedAt && t.endedAt ? ` ${((Date.parse(t.endedAt) - Date.parse(t.startedAt)) / 1000).toFixed(1)} s` : '';
        this.line(`${SYMBOL[t.state]} ${counter}${t.name} ${t.state.padEnd(8)} ${t.metricName} ${metricText(t.metric)} at epoch ${t.epoch}${seconds}  ${this.values(t.values)}`
          + (t.note ? `\n    ${t.note}` : '') + (t.error ? `\n    error: ${t.error.split('\n')[0]}` : ''));
        break;
      }
      case 'progress':
        this.progress = e;
        if (this.bar) {
          this.bar.setTotal(Math.max(1, e.total));
          this.bar.update(e.done, { running: e.running + e.paused, best: this.bestText(e) });
        }
        break;
      case 'log':
        this.line(`${e.level === 'warning' ? '⚠ ' : ''}${e.message}`);
        break;
      case 'error':
        this.line(`error: ${e.message}`);
        break;
      default:
        break;
    }
  }

  stopBar(): void {
    this.bar?.stop();
    this.bar = null;
  }

  finish(result: SearchResult, runner: SearchRunner): void {
    this.stopBar();
    const file = runner.snapshot();
    const better = (a: number, b: number): boolean => (Number.isNaN(a) ? false : Number.isNaN(b) ? true : file.mode === 'max' ? a > b : a < b);
    const rows = [...file.trials].sort((a, b) => {
      if (a.metric === null || b.metric === null) return a.metric === null ? (b.metric === null ? a.id - b.id : 1) : -1;
      return better(a.metric, b.metric) ? -1 : better(b.metric, a.metric) ? 1 : a.id - b.id;
    });
    const head = ['', 'trial', 'round', 'state', file.metric, 'epoch', ...file.space.map((d) => this.names.get(d.path) ?? d.path)];
    const cells = rows.map((t) => [t.best ? '★' : '', t.name, String(t.round + 1), t.state, metricText(t.metric) + (t.metricName !== file.metric ? ` (${t.metricName})` : ''),
      `${t.epoch}/${t.epochs}`, ...file.space.map((d) => (t.values[d.path] === undefined ? '—' : typeof t.values[d.path] === 'number' ? formatValue(t.values[d.path] as number) : String(t.values[d.path])))]);
    const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const fmt = (row: string[]): string => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
    console.log('');
    console.log(fmt(head));
    for (const c of cells) console.log(fmt(c));
    console.log('');
    const counts = new Map<string, number>();
    for (const t of file.trials) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    console.log(`${result.state === 'stopped' ? 'search stopped' : 'search finished'}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`);
    const budget = searchBudget(file.trials);
    if (budget.randomEpochs > 0) {
      console.log(`epochs: ${budget.epochs} trained of the ${budget.randomEpochs} a plain random search would train (${((100 * budget.epochs) / budget.randomEpochs).toFixed(0)} %)`);
    }
    if (result.best) {
      console.log(`best: ${result.best.name}, ${result.best.metricName} ${metricText(result.best.metric)} (run folder ${result.best.runDir})`);
      for (const d of file.space) {
        const v = result.best.values[d.path];
        console.log(`  ${d.path} = ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
      }
    } else {
      console.log('no trial finished, so there is no best config yet');
    }
    console.log(`search folder: ${result.dir}`);
  }
}

/** Runs `gradient-lab search`; returns the exit code. */
export async function runSearchCommand(flags: SearchCliFlags): Promise<number> {
  const runner = flags.resume
    ? SearchRunner.resume(flags.resume, { parallel: flags.parallel, trials: flags.trials })
    : SearchRunner.create({ configPath: requireFile(flags.file), runsDir: flags.runs, parallel: flags.parallel, trials: flags.trials });
  const reporter = flags.json ? null : new SearchReporter();
  runner.onAny((e) => {
    if (e.type === 'trialEvent') return; // the trials' own events are in their run folders
    if (flags.json) console.log(toJson(e));
    else reporter!.onEvent(e);
  });

  // Ctrl-C: stop every trial cleanly (checkpoints, summaries, a consistent search.json). Again: leave now
  // (the trials notice their parent is gone and stop themselves cleanly).
  let interrupted = 0;
  const onSigint = (): void => {
    if (++interrupted > 1) process.exit(130);
    if (reporter) {
      reporter.stopBar();
      console.log('\nstopping the search: asking every running trial to stop (Ctrl-C again to quit at once) …');
    }
    void runner.stop();
  };
  process.on('SIGINT', onSigint);
  // The reader went away (e.g. `--json | head`): stop the trials cleanly instead of crashing.
  const onStdoutError = (e: NodeJS.ErrnoException): void => {
    if (e.code !== 'EPIPE') throw e;
    interrupted = 1;
    console.log = (): void => undefined;
    void runner.stop();
  };
  process.stdout.on('error', onStdoutError);
  let result: SearchResult;
  try {
    result = await runner.run();
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (interrupted && process.stdout.destroyed) return 0;
  reporter?.finish(result, runner);
  const resumeHint = `gradient-lab search --resume ${quoteArg(path.relative(process.cwd(), result.dir) || '.')}`;
  if (result.state === 'stopped' && !flags.json) console.log(`continue it with:\n  ${resumeHint}`);

  if (flags.exportBest) {
    if (!result.best) {
      console.error('gradient-lab: --export-best: no trial finished, nothing to export');
      return 1;
    }
    const out = exportBest(result.dir, flags.exportBest);
    if (flags.json) console.log(JSON.stringify({ type: 'exported', outFile: out.outFile, trialId: out.trial.id }));
    else console.log(`best config (${out.trial.name}) written to ${out.outFile}`);
  } else if (result.best && !flags.json) {
    console.log(`export the best config with:\n  ${resumeHint} --export-best best.nn.json`);
  }
  const finished = result.trials.filter((t) => t.state === 'finished').length;
  const failed = result.trials.filter((t) => t.state === 'failed').length;
  return finished === 0 && failed > 0 ? 1 : 0;
}

function requireFile(file: string | undefined): string {
  if (!file) throw new Error('search needs an experiment file (or --resume SEARCH_DIR)');
  return file;
}

function quoteArg(s: string): string {
  return /^[\w./@:+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
