import type { Flag, GradientNormSummary } from '../../shared/protocol';
import { quantile } from '../../shared/quantile';

/** Norms kept for the quantiles; beyond, every other one is dropped and the stride doubles. */
const SAMPLE_CAP = 4096;
/**
 * Steps the clipping flag judges (the most recent ones), and the fewest it judges at all: the first
 * steps' large gradients are clipped more often in a healthy run, so a handful is no evidence.
 */
const WINDOW = 200;
const MIN_STEPS = 100;
/** The tuning playbook: clipping more than half the updates is a learning rate that is too high. */
export const CLIPPED_TOO_OFTEN = 0.5;

export interface GradNormState {
  steps: number;
  clipped: number;
  max: number;
  stride: number;
  sample: number[];
  recent: number[];
}

/**
 * Every step's unclipped global gradient norm: counts, the max, a systematic sample for the quantiles
 * (every stride-th step: bounded memory, deterministic, spread over the whole run) and the clipped
 * flags of the last WINDOW steps for the flag.
 */
export class GradNormLog {
  private steps = 0;
  private clipped = 0;
  private max = 0;
  private stride = 1;
  private sample: number[] = [];
  /** Ring of the last WINDOW steps: 1 clipped, 0 not. */
  private recent = new Uint8Array(WINDOW);
  private flagged = false;

  constructor(private readonly clipNorm: number) {}

  record(norm: number, clipped: boolean): void {
    this.recent[this.steps % WINDOW] = clipped ? 1 : 0;
    if (this.steps % this.stride === 0) {
      this.sample.push(norm);
      if (this.sample.length >= SAMPLE_CAP) {
        this.sample = this.sample.filter((_, i) => i % 2 === 0);
        this.stride *= 2;
      }
    }
    this.steps++;
    if (clipped) this.clipped++;
    if (norm > this.max) this.max = norm;
  }

  summary(): GradientNormSummary | undefined {
    if (this.steps === 0) return undefined;
    const sorted = [...this.sample].sort((a, b) => a - b);
    const p90 = quantile(sorted, 0.9);
    return {
      steps: this.steps, median: quantile(sorted, 0.5), p90, max: this.max,
      clipNorm: this.clipNorm > 0 ? this.clipNorm : null, clipped: this.clipped,
      clippedFraction: this.clipped / this.steps, suggestedClipNorm: p90,
    };
  }

  /**
   * A warning when more than half of the last WINDOW steps (at least MIN_STEPS) were clipped; raised
   * once, and again only after the fraction has come back down.
   */
  flag(iteration: number): Flag | null {
    if (this.clipNorm <= 0) return null;
    const n = Math.min(this.steps, WINDOW);
    if (n < MIN_STEPS) return null;
    let hits = 0;
    for (let i = 0; i < n; i++) hits += this.recent[i];
    const fraction = hits / n;
    const over = fraction > CLIPPED_TOO_OFTEN;
    if (!over || this.flagged) {
      this.flagged = over;
      return null;
    }
    this.flagged = true;
    const s = this.summary()!;
    return {
      kind: 'clipping', severity: 'warning', iteration,
      message: `Gradient clipping at clipNorm ${fmt(this.clipNorm)} scaled ${(fraction * 100).toFixed(0)} % of the last ${n} steps `
        + `(threshold ${CLIPPED_TOO_OFTEN * 100} %; median unclipped ‖g‖ ${fmt(s.median)}): clipping that often, the threshold rather than the gradient sets the steps (with plain SGD it is a smaller learning rate in disguise). `
        + `Lower the learning rate instead, or raise clipNorm to about ${fmt(s.p90)} (the 90th percentile of the unclipped norms).`,
    };
  }

  exportState(): GradNormState {
    return { steps: this.steps, clipped: this.clipped, max: this.max, stride: this.stride, sample: [...this.sample], recent: Array.from(this.recent) };
  }

  importState(s: GradNormState): void {
    this.steps = s.steps;
    this.clipped = s.clipped;
    this.max = s.max;
    this.stride = s.stride;
    this.sample = [...s.sample];
    this.recent = Uint8Array.from(s.recent);
  }
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(3) : String(x);
}
