/**
 * The Diagnose / Find Learning Rate panel (`data-view="diagnose"`): a report card per check
 * (status, what was measured, the threshold, the remedy, a one-click fix) and the range test's
 * chart with its Apply actions. The host sends the whole state (`diagnoseState`); after each render
 * the view posts `diagnoseRendered` (what it shows, for tests).
 */
import type { CheckStatus, DiagnoseCheck } from '../../src/shared/diagnosis';
import { roundedRate } from '../../src/shared/diagnosis';
import { formatNumber } from '../../src/shared/series';
import type { DiagnoseAction, DiagnoseViewState } from '../../src/shared/webview-protocol';
import { LrFinderChart } from '../charts/lr-finder';
import { applyThemeDefaults, registerCharts } from '../charts/setup';
import { button, h, renderScheduler, setText } from '../dom';
import { icon, type IconName } from '../icons';
import { readTheme, watchTheme } from '../theme';
import { onHostMessage, post } from '../vscode';
import { card, chartBox } from './card';

const STATUS_TEXT: Record<CheckStatus, string> = { pass: 'pass', warn: 'warn', fail: 'fail', skip: 'skipped' };
const STATUS_ICON: Record<CheckStatus, IconName> = { pass: 'check', warn: 'warning', fail: 'error', skip: 'info' };

function act(action: DiagnoseAction): void {
  post({ type: 'diagnoseAction', ...action });
}

export function startDiagnoseView(): void {
  registerCharts();
  let theme = readTheme();
  applyThemeDefaults(theme);
  const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
  document.body.dataset.layout = 'diagnose';

  const title = h('h1', { id: 'dx-title', cls: 'run-name' });
  const overall = h('span', { id: 'dx-status', cls: 'dx-status', attrs: { role: 'status' } });
  const summary = h('p', { id: 'dx-summary', cls: 'muted' });
  const rerun = button('secondary', { id: 'dx-rerun', title: 'Run again (after editing the file)' }, icon('step'), h('span', { text: 'Run again' }));
  rerun.addEventListener('click', () => act({ action: 'rerun' }));
  const open = button('secondary', { id: 'dx-open', title: 'Open the experiment file' }, icon('file'), h('span', { text: 'Open file' }));
  open.addEventListener('click', () => act({ action: 'openFile' }));
  const progress = h('div', { id: 'dx-progress', cls: 'dx-progress' });
  const error = h('p', { id: 'dx-error', cls: 'dx-error', attrs: { role: 'alert' } });
  const applied = h('p', { id: 'dx-applied', cls: 'dx-applied', attrs: { role: 'status', 'aria-live': 'polite' } });

  const lrBox = chartBox('chart-lr-find', 'Loss against learning rate', 'chart-box tall');
  const lrChart = new LrFinderChart(lrBox.canvas, theme);
  const lrText = h('p', { id: 'lr-find-text', cls: 'lr-find-text' });
  const applyFile = button('primary', { id: 'btn-apply-lr', title: 'Write the suggested rate into training.optimizer.learningRate (undoable in the editor)' },
    icon('save'), h('span', { text: 'Apply to file' }));
  applyFile.addEventListener('click', () => act({ action: 'applyLearningRate', target: 'file' }));
  const applyRun = button('secondary', { id: 'btn-apply-lr-run', title: 'Set the suggested rate on the live run from its next iteration' },
    icon('play'), h('span', { text: 'Set on the run' }));
  applyRun.addEventListener('click', () => act({ action: 'applyLearningRate', target: 'run' }));
  const lrCard = card({
    id: 'lr-find', title: 'Learning-rate range test', subtitle: 'loss vs learning rate · log x · debiased EWA',
    cls: 'span-2', tools: [applyRun, applyFile], body: [lrBox.box, lrText],
  });
  const checks = h('div', { id: 'dx-checks', cls: 'dx-checks' });

  app.append(
    h('header', { cls: 'run-header' }, h('div', { cls: 'title-row' }, title, overall), summary,
      h('div', { cls: 'controls' }, h('div', { cls: 'group' }, rerun, open))),
    progress, error, applied,
    h('main', { cls: 'grid dx-grid' }, lrCard, checks));

  let state: DiagnoseViewState | null = null;

  const render = (): void => {
    const s = state;
    if (!s) return;
    setText(title, `${s.kind === 'lrFind' ? 'Find learning rate' : 'Diagnose'} — ${s.fileName}`);
    const status = s.report?.status;
    overall.dataset.status = s.phase === 'done' && status ? status : s.phase;
    setText(overall, s.phase === 'done' ? (status ? STATUS_TEXT[status].toUpperCase() : 'done') : s.phase);
    const counts = s.report ? (['pass', 'warn', 'fail', 'skip'] as const).map((k) => [k, s.report!.checks.filter((c) => c.status === k).length] as const)
      .filter(([, n]) => n > 0).map(([k, n]) => `${n} ${STATUS_TEXT[k]}`).join(' · ') : '';
    setText(summary, s.report ? `${s.report.task} · ${counts} · ${s.report.seconds.toFixed(1)} s · no run folder written`
      : s.runId ? `on the current weights of the live run (restored afterwards: the run is not changed)` : '');
    open.hidden = !s.file;
    setText(progress, s.phase === 'running' ? (s.progress ? `Running check ${s.progress.index + 1} of ${s.progress.total}: ${s.progress.check}…` : 'Starting…') : '');
    setText(error, s.phase === 'error' ? s.error ?? 'failed' : s.phase === 'cancelled' ? 'Cancelled.' : '');
    setText(applied, s.applied ?? '');

    const r = s.lrFind;
    lrCard.hidden = !r && !(s.kind === 'lrFind');
    lrChart.update(r);
    applyFile.hidden = !s.file;
    applyRun.hidden = !s.runId;
    const canApply = !!r?.suggestion && s.phase === 'done';
    applyFile.toggleAttribute('disabled', !canApply);
    applyRun.toggleAttribute('disabled', !canApply || !s.runLive);
    setText(lrText, r ? lrSummary(r) : s.phase === 'running' ? 'Sweeping…' : '');

    checks.replaceChildren(...(s.report?.checks ?? []).map(checkCard));
    const rendered = (s.report?.checks ?? []).map((c) => ({ id: c.id, status: c.status }));
    post({ type: 'diagnoseRendered', phase: s.phase, checks: rendered, lrPoints: lrChart.points, suggestion: r?.suggestion?.lr ?? null });
    document.body.dataset.phase = s.phase;
  };
  const schedule = renderScheduler(render);

  onHostMessage((msg) => {
    if (msg.type !== 'diagnoseState') return;
    state = msg.state;
    schedule();
  });
  watchTheme(() => {
    theme = readTheme();
    applyThemeDefaults(theme);
    lrChart.setTheme(theme);
    schedule();
  });
  post({ type: 'ready' });
}

function lrSummary(r: NonNullable<DiagnoseViewState['lrFind']>): string {
  const from = r.from === 'initial' ? 'the initial weights' : `the weights at iteration ${r.iteration}`;
  const stop = r.stop === 'end' ? '' : r.stop === 'diverged' ? `, stopped when the smoothed loss passed ${r.options.divergeFactor}× its best` : ', stopped at a non-finite loss';
  const head = `${r.lrs.length} iterations from ${from} (${r.optimizer}, batch ${r.batchSize}), ${formatNumber(r.options.start)} → ${formatNumber(r.lrs[r.lrs.length - 1] ?? r.options.end)}${stop}. `;
  if (!r.suggestion) return `${head}No suggestion: ${r.note}.`;
  const ratio = r.suggestion.lr / r.currentLr;
  const vs = ratio >= 1.5 ? `${formatNumber(ratio)}× the ${r.from === 'current' ? 'run\'s' : 'file\'s'} ${formatNumber(r.currentLr)}`
    : ratio <= 1 / 1.5 ? `${formatNumber(1 / ratio)}× below the ${r.from === 'current' ? 'run\'s' : 'file\'s'} ${formatNumber(r.currentLr)}` : `close to the current ${formatNumber(r.currentLr)}`;
  return `${head}Suggested ${formatNumber(roundedRate(r.suggestion.lr))} (${vs}): ${r.note}.`;
}

function checkCard(c: DiagnoseCheck): HTMLElement {
  const fix = c.fix ? button(c.status === 'pass' ? 'secondary' : 'primary', { id: `fix-${c.id}`, cls: 'dx-fix', title: c.fix.edits.map((e) => `${e.pointer} = ${JSON.stringify(e.value)}`).join(', ') },
    icon('save'), h('span', { text: c.fix.label })) : null;
  fix?.addEventListener('click', () => act({ action: 'fix', check: c.id }));
  return h('section', { id: `check-${c.id}`, cls: `card dx-check dx-${c.status}`, attrs: { 'data-status': c.status, 'aria-labelledby': `check-title-${c.id}` } },
    h('div', { cls: 'dx-check-head' },
      h('span', { cls: `dx-badge dx-badge-${c.status}` }, icon(STATUS_ICON[c.status]), h('span', { text: STATUS_TEXT[c.status] })),
      h('h2', { id: `check-title-${c.id}`, text: c.title }),
      h('span', { cls: 'muted dx-seconds', text: `${c.seconds.toFixed(2)} s` })),
    h('p', { cls: 'dx-measured', text: c.measured }),
    h('p', { cls: 'dx-threshold muted', text: `Threshold: ${c.threshold}` }),
    c.remedy ? h('p', { cls: 'dx-remedy', text: c.remedy }) : null,
    fix ? h('div', { cls: 'dx-actions' }, fix) : null);
}
