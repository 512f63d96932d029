/**
 * Incremental versions of the O(n) series work, so a long run costs O(new points) per delta:
 * the debiased EWA and the per-layer series are extended from where they stopped. A cache
 * starts over when its key changes (another run, β, or `version`: bumped by main.ts on a
 * snapshot and when a resumed run rewrites iterations it had already sent).
 */
import type { RunView } from '../../src/shared/run-view';
import type { LayerField } from '../../src/shared/series';

export class EwaCache {
  private key = '';
  private out: number[] = [];
  private last = 0;
  private betaPow = 1;
  /** How many of the values so far are NaN/±Infinity. */
  nonFinite = 0;

  /** `debiasedEwa(values, beta)`, reusing the previous result when only new values were appended. */
  get(values: readonly number[], beta: number, key: string): number[] {
    const b = Number.isFinite(beta) ? Math.min(Math.max(beta, 0), 0.999999) : 0;
    const k = `${key}|${b}`;
    if (k !== this.key || values.length < this.out.length) {
      this.key = k;
      this.out = [];
      this.last = 0;
      this.betaPow = 1;
      this.nonFinite = 0;
    }
    for (let i = this.out.length; i < values.length; i++) {
      const y = values[i];
      if (!Number.isFinite(y)) {
        this.nonFinite++;
        this.out.push(y);
        continue;
      }
      this.last = this.last * b + (1 - b) * y;
      this.betaPow *= b;
      this.out.push(this.last / (1 - this.betaPow));
    }
    return this.out;
  }
}

export interface LayerLine { layer: string; xs: number[]; ys: number[] }

export class LayerSeriesCache {
  private key = '';
  private seen = 0;
  private lines: LayerLine[] = [];
  private byLayer = new Map<string, LayerLine>();

  constructor(private readonly field: LayerField) {}

  /** `layerSeries(view, field)`, extended with the samples that arrived since the last call. */
  get(view: RunView, key: string): LayerLine[] {
    const samples = view.layerStats;
    if (key !== this.key || samples.length < this.seen) {
      this.key = key;
      this.seen = 0;
      this.lines = [];
      this.byLayer.clear();
    }
    for (let i = this.seen; i < samples.length; i++) {
      const s = samples[i];
      for (const stat of s.layers) {
        let line = this.byLayer.get(stat.layer);
        if (!line) {
          line = { layer: stat.layer, xs: [], ys: [] };
          this.byLayer.set(stat.layer, line);
          this.lines.push(line);
        }
        line.xs.push(s.iteration);
        line.ys.push(stat[this.field]);
      }
    }
    this.seen = samples.length;
    return this.lines;
  }
}
