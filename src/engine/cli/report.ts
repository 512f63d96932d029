import { SingleBar, Presets } from 'cli-progress';
import type { EngineEvent, GradCheckReport, RunInfo, RunSummary } from '../../shared/protocol';
import type { RunSink } from '../train/trainer';

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);
const num = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : Number.isFinite(x) ? x.toPrecision(4) : String(x));

/** Human output for `gradient-lab train`: a progress bar plus the messages that matter. */
export class HumanReporter implements RunSink {
  private bar: SingleBar | null = null;
  private info: RunInfo | null = null;
  private lastCost = NaN;
  private devError: number | null = null;
  private readonly episodesShown = new Set<string>();

  constructor(private readonly quiet: boolean) {}

  private errorText(x: number | null): string {
    return this.info?.task === 'regression' ? `RMSE ${num(x)}` : pct(x);
  }

  /** Prints a message above the progress bar, which then redraws below it. */
  private line(text: string): void {
    if (this.bar && process.stdout.isTTY) {
      process.stdout.write(`\r\x1b[K${text}\n`);
      this.bar.render();
    } else {
      console.log(text);
    }
  }

  private startBar(info: RunInfo, at: number): void {
    if (this.quiet) return;
    this.bar = new SingleBar({
      format: ' {bar} {percentage}% | epoch {epoch}/{epochs} | cost {cost} | dev {dev} | {eta_formatted} left',
      hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000, etaBuffer: 200,
    }, Presets.shades_classic);
    // Overfit One Batch: one update an epoch, within its own budget (older configs have none: `epochs`).
    const epochs = info.mode === 'overfitBatch' ? info.config.training.overfitBatch?.iterations ?? info.config.training.epochs : info.config.training.epochs;
    const total = info.mode === 'overfitBatch' ? epochs : epochs * info.iterationsPerEpoch;
    this.bar.start(total, at, { epoch: 0, epochs, cost: '—', dev: '—' });
  }

  iteration(iteration: number, epoch: number, cost: number): void {
    this.lastCost = cost;

    // The bar redraws a few times a second anyway: tell it every 256 iterations, not 50,000 times a second.
    if ((iteration & 255) === 0) this.bar?.update(iteration, { cost: num(cost), epoch });
  }

  emit(e: EngineEvent): void {
    switch (e.type) {
      case 'runInfo': {
        const i = e.info;
        this.info = i;
        console.log(`${i.name}: ${i.task}, ${i.features} features${i.classes.length ? `, ${i.classes.length} classes` : ''}; `
          + `train/dev/test ${i.counts.train}/${i.counts.dev}/${i.counts.test}; ${i.parameters} parameters; `
          + `${i.backend} backend (${i.dtype}, ${i.threads} thread${i.threads > 1 ? 's' : ''})`);
        if (i.rows) console.log(`rows: train ${i.rows.train}; dev ${i.rows.dev}; test ${i.rows.test}`);
        if (i.trainEvalRows) console.log(`train cost and error are measured each epoch on a fixed sample of ${i.trainEvalRows.toLocaleString('en-US')} of the ${i.counts.train.toLocaleString('en-US')} training rows (diagnostics.trainEvalRows; 0 = all)`);
        console.log(`run folder: ${i.runDir}`);
        this.startBar(i, i.resumedFrom?.iteration ?? 0);
        break;
      }
      case 'epoch':
        this.devError = e.summary.devError;
        this.bar?.update(e.summary.iteration, { epoch: e.summary.epoch, cost: num(this.lastCost), dev: this.errorText(this.devError) });
        break;
      case 'flag': {
        const f = e.flag;
        const ep = f.episode;
        if (f.severity === 'info' && this.quiet) break;
        // An episode is printed when it opens and, briefly, when it clears (its state at the run's end is in the run folder).
        if (ep && ep.state === 'closed') this.line(`✓ cleared at iteration ${ep.lastIteration}: ${f.kind}${f.layer ? ` in ${f.layer}` : ''} (${ep.count} samples from iteration ${ep.firstIteration})`);
        else if (!ep || !this.episodesShown.has(ep.id)) this.line(`${f.severity === 'info' ? 'ℹ' : '⚠'} ${f.message}`);
        if (ep) this.episodesShown.add(ep.id);
        break;
      }
      case 'learningRate':
        // A schedule's per-epoch or per-step changes are not events; reduceOnPlateau's reductions are.
        this.line(`learning rate ${num(e.from)} → ${num(e.to)} at iteration ${e.iteration}${e.source === 'schedule' ? ` (reduceOnPlateau, epoch ${e.epoch})` : ''}`);
        break;
      case 'error':
        this.line(`error: ${e.error.message}`);
        break;
      case 'log':
        if (!this.quiet) this.line(e.message);
        break;
      default:
        break;
    }
  }

  finish(summary: RunSummary, runDir: string): void {
    this.bar?.stop();
    this.bar = null;
    const f = summary.final;
    console.log(`${summary.state}${summary.reason ? ` (${summary.reason})` : ''} after ${summary.epochs} epochs, ${summary.iterations} iterations, ${summary.seconds.toFixed(1)} s`);
    if (f) {
      const sampled = this.info?.trainEvalRows ? ` (on ${this.info.trainEvalRows.toLocaleString('en-US')} sampled rows)` : '';
      console.log(`train cost ${num(f.trainCost)}  train error ${this.errorText(f.trainError)}${sampled}`
        + (f.devError !== null ? `  dev cost ${num(f.devCost)}  dev error ${this.errorText(f.devError)}` : ''));
    }
    const clip = clippingLine(summary);
    if (clip) console.log(clip);
    if (summary.best) console.log(`${summary.best.restored ? 'best' : 'lowest'} ${summary.best.monitor} ${num(summary.best.value)} at epoch ${summary.best.epoch}${summary.best.restored ? ' (restored)' : ''}`);
    console.log(`run folder: ${runDir}`);
  }
}

/** The run's gradient clipping in one line (null when clipping is off). */
export function clippingLine(summary: RunSummary): string | null {
  const g = summary.gradients;
  if (!g || g.clipNorm === null) return null;
  return `gradient clipping at ${num(g.clipNorm)}: ${g.clipped} of ${g.steps} steps clipped (${(g.clippedFraction * 100).toFixed(1)} %); `
    + `unclipped ‖g‖ median ${num(g.median)}, 90th percentile ${num(g.p90)} (suggested clipNorm), max ${num(g.max)}`;
}

const BAND_TEXT: Record<GradCheckReport['band'], string> = {
  correct: 'correct (< 1e-7)', lookCloser: 'look closer (< 1e-5)', suspicious: 'suspicious (< 1e-3)', bug: 'BUG (≥ 1e-3)',
  inconclusive: 'inconclusive (rounding noise)',
};

export function printGradCheck(r: GradCheckReport): void {
  console.log(`Gradient check (float64, ε = ${r.epsilon}, batch of ${r.batchSize}, L2 ${r.regularization.l2}, L1 ${r.regularization.l1})`);
  const rows = r.tensors.map((t) => [t.layer, t.tensor, `${t.shape[0]}×${t.shape[1]}`, t.difference.toExponential(2), BAND_TEXT[t.band],
    t.checked < t.total ? `${t.checked} of ${t.total}` : `all ${t.total}`, String(t.kinks ?? 0)]);
  const head = ['layer', 'tensor', 'shape', 'difference', 'verdict', 'entries', 'kinks'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]): string => row.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(fmt(head));
  for (const row of rows) console.log(fmt(row));
  for (const t of r.tensors.filter((x) => x.band === 'bug' || x.band === 'suspicious')) {
    console.log(`worst entries of ${t.layer} ${t.tensor}:`);
    for (const w of t.worst) console.log(`  [${w.index.join(', ')}] backprop ${w.analytic.toExponential(4)}  numeric ${w.numeric.toExponential(4)}`);
  }
  for (const t of r.tensors.filter((x) => x.band === 'inconclusive')) console.log(`${t.layer} ${t.tensor} inconclusive: ${t.reason ?? ''}`);
  console.log(`overall difference ${r.difference.toExponential(2)}: ${BAND_TEXT[r.band]}`);
  for (const n of r.notes) console.log(`note: ${n}`);
}
