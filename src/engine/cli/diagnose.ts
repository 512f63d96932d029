/**
 * `gradient-lab diagnose <file.nn.json> [--json]` and `gradient-lab lr-find <file.nn.json> [--json]
 * [--apply] [--start LR] [--end LR] [--steps N]`: the report card and the range test without VS Code.
 * diagnose exits 1 when a check fails; lr-find exits 1 when the sweep finds no descent.
 */
import * as fs from 'node:fs';
import { roundedRate, type ConfigEdit, type DiagnoseReport, type LrFindOptions, type LrFindResult } from '../../shared/diagnosis';
import { formatNumber as fmt } from '../../shared/series';
import { jsonSet } from '../../shared/json-edit';
import { loadExperiment } from '../config/validate';
import { diagnose } from '../diagnostics/diagnose';
import { withLocations } from '../run/session';
import { createRunSetup } from '../train/setup';

const MARK = { pass: '✓ pass', warn: '⚠ warn', fail: '✗ FAIL', skip: '– skip' } as const;

export async function diagnoseCommand(file: string, json: boolean): Promise<number> {
  const report = await diagnoseFile(file, {});
  if (json) console.log(JSON.stringify(report));
  else printReport(report, file);
  return report.status === 'fail' ? 1 : 0;
}

export async function lrFindCommand(file: string, flags: { json: boolean; apply: boolean; options: Partial<LrFindOptions> }): Promise<number> {
  const report = await diagnoseFile(file, { checks: ['lrRange'], lrFind: flags.options });
  const r = report.lrFind!;
  if (flags.json) console.log(JSON.stringify(r));
  else printLrFind(r);
  if (!r.suggestion) return 1;
  if (flags.apply) {
    const value = roundedRate(r.suggestion.lr);
    applyEdits(file, [{ pointer: '/training/optimizer/learningRate', value }]);
    if (!flags.json) console.log(`wrote training.optimizer.learningRate = ${value} into ${file}`);
  }
  return 0;
}

async function diagnoseFile(file: string, options: Parameters<typeof diagnose>[1]): Promise<DiagnoseReport> {
  const config = loadExperiment(file);
  const setup = await withLocations(file, () => createRunSetup(config, { configPath: file }));
  try {
    return await diagnose(config, { ...options, configPath: file, setup });
  } finally {
    setup.backend.dispose();
  }
}

/** Writes the edits into the file, keeping the rest of its text as it is. */
export function applyEdits(file: string, edits: readonly ConfigEdit[]): void {
  fs.writeFileSync(file, jsonSet(fs.readFileSync(file, 'utf8'), edits));
}

function printReport(report: DiagnoseReport, file: string): void {
  console.log(`Diagnose ${report.name} (${report.task}): ${report.checks.length} checks in ${report.seconds.toFixed(1)} s, no run folder written`);
  for (const c of report.checks) {
    console.log(`\n${MARK[c.status]}  ${c.title}`);
    console.log(`        ${c.measured}`);
    console.log(`        threshold: ${c.threshold}`);
    if (c.remedy) console.log(`        → ${c.remedy}`);
    if (c.fix) {
      const how = c.id === 'lrRange' ? `gradient-lab lr-find ${file} --apply` : c.fix.edits.map((e) => `set ${e.pointer.slice(1).replace(/\//g, '.')} to ${JSON.stringify(e.value)}`).join(', ');
      console.log(`        fix: ${c.fix.label} (${how})`);
    }
  }
  const counts = (['pass', 'warn', 'fail', 'skip'] as const).map((s) => [s, report.checks.filter((c) => c.status === s).length] as const)
    .filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ');
  console.log(`\n${report.status === 'fail' ? 'FAIL' : report.status === 'warn' ? 'WARN' : 'PASS'}: ${counts}`);
}

const PLOT_W = 60;
const PLOT_H = 12;

export function printLrFind(r: LrFindResult): void {
  console.log(`Learning-rate range test (${r.from === 'initial' ? 'initial weights' : `weights at iteration ${r.iteration}`}, ${r.optimizer}, batch ${r.batchSize}): `
    + `${fmt(r.options.start)} → ${fmt(r.options.end)} in ${r.options.steps} steps, loss smoothed with the debiased EWA (β ${r.options.beta}), ${r.lrs.length} steps run`
    + (r.stop === 'end' ? '' : ` (stopped: ${r.stop === 'diverged' ? `smoothed loss > ${r.options.divergeFactor}× its best` : 'non-finite loss'})`));
  for (const line of asciiPlot(r)) console.log(line);
  if (r.suggestion) {
    console.log(`suggested learning rate ${fmt(r.suggestion.lr)} (rounded ${roundedRate(r.suggestion.lr)}); the file uses ${fmt(r.currentLr)}`);
  } else {
    console.log('no suggestion');
  }
  if (r.minimum) console.log(`lowest smoothed loss ${fmt(r.minimum.loss)} at ${fmt(r.minimum.lr)}`);
  console.log(r.note);
}

/** Smoothed loss against log LR, the suggestion as "▼" above its column. */
function asciiPlot(r: LrFindResult): string[] {
  const n = r.smoothed.filter(Number.isFinite).length;
  if (n < 2) return [];
  const xs = r.lrs.slice(0, n).map(Math.log10);
  const ys = r.smoothed.slice(0, n);
  // Clip the rising tail so the descent keeps the vertical room.
  const yMax = Math.min(Math.max(...ys), (r.minimum?.loss ?? Math.min(...ys)) * 2 + (ys[0] - (r.minimum?.loss ?? 0)));
  const yMin = Math.min(...ys);
  const x0 = xs[0];
  const x1 = xs[n - 1];
  const grid = Array.from({ length: PLOT_H }, () => new Array<string>(PLOT_W).fill(' '));
  const col = (x: number): number => Math.round(((x - x0) / (x1 - x0 || 1)) * (PLOT_W - 1));
  for (let i = 0; i < n; i++) {
    const y = Math.min(ys[i], yMax);
    const row = PLOT_H - 1 - Math.round(((y - yMin) / (yMax - yMin || 1)) * (PLOT_H - 1));
    grid[row][col(xs[i])] = '•';
  }
  const marker = new Array<string>(PLOT_W).fill(' ');
  if (r.suggestion) marker[col(Math.log10(r.suggestion.lr))] = '▼';
  const label = (v: number): string => fmt(v).padStart(8);
  return [
    `${' '.repeat(9)}${marker.join('')}`,
    ...grid.map((row, i) => `${i === 0 ? label(yMax) : i === PLOT_H - 1 ? label(yMin) : ' '.repeat(8)} ${row.join('')}`),
    `${' '.repeat(9)}${fmt(r.lrs[0]).padEnd(PLOT_W - 6)}${fmt(r.lrs[n - 1])}`,
  ];
}
