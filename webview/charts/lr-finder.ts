/**
 * The learning-rate range test: loss against learning rate on a log x axis, the mini-batch losses
 * faint and their debiased EWA bold, the longest descent's ends dashed, the suggestion and the
 * rate in use marked. The blown-up tail is drawn at the top edge (marked) so the descent keeps
 * the vertical room.
 */
import type { LrFindResult } from '../../src/shared/diagnosis';
import { formatNumber } from '../../src/shared/series';
import type { Theme } from '../theme';
import { withAlpha } from '../theme';
import { StreamChart } from './base';
import { clampPoints } from './axes';
import { baseOptions } from './setup';
import type { EdgeMarker, LineOptions, VLine, XY } from './setup';

export class LrFinderChart extends StreamChart {
  private axis: { min: number; max: number } | null = null;
  /** Points of the smoothed curve drawn by the last update. */
  points = 0;

  constructor(canvas: HTMLCanvasElement, theme: Theme) {
    super(canvas, theme);
    this.ensureDatasets(3, (i) => ({ label: ['loss', 'smoothed (β 0.98)', 'suggested'][i], data: [], order: 3 - i }));
    this.restyle();
  }

  protected options(): LineOptions {
    return baseOptions(this.theme,
      { type: 'logarithmic', title: 'learning rate', tight: true },
      { type: 'linear', title: 'loss', min: this.axis?.min, max: this.axis?.max, format: (v) => formatNumber(v) });
  }

  protected colorDatasets(): void {
    const [raw, smooth, suggested] = this.chart.data.datasets;
    if (!raw || !smooth || !suggested) return;
    raw.borderColor = raw.backgroundColor = withAlpha(this.theme.blue, 0.35);
    raw.borderWidth = this.theme.lineScale;
    smooth.borderColor = smooth.backgroundColor = this.theme.blue;
    smooth.borderWidth = 2 * this.theme.lineScale;
    suggested.borderColor = this.theme.fg;
    suggested.backgroundColor = this.theme.green;
    suggested.showLine = false;
    suggested.pointRadius = 7;
    suggested.pointHoverRadius = 8;
    suggested.pointBorderWidth = 1.5;
  }

  update(r: LrFindResult | null): boolean {
    const key = r ? `${r.from}|${r.iteration}|${r.lrs.length}|${r.suggestion?.lr}|${r.currentLr}|${r.seconds}` : 'none';
    return this.redrawIf(key, () => {
      const [raw, smooth, suggested] = this.chart.data.datasets;
      if (!r || r.lrs.length === 0) {
        raw.data = smooth.data = suggested.data = [];
        this.points = 0;
        this.annotations.vlines = [];
        this.annotations.markers = [];
        return;
      }
      // The bottom: the lowest loss, raw or smoothed (the raw losses run ahead of their lagging average).
      const lo = Math.min(...r.smoothed.filter(Number.isFinite), ...r.losses.filter(Number.isFinite));
      // The top: the highest smoothed loss up to the lowest point (the start and any bump), plus air.
      const upTo = r.minimum ? r.minimum.index : r.smoothed.length - 1;
      const hiBase = Math.max(...r.smoothed.slice(0, upTo + 1).filter(Number.isFinite), lo);
      const pad = (hiBase - lo) * 0.15 || Math.abs(lo) * 0.1 || 1;
      const axis = { min: lo - pad, max: hiBase + pad };
      const pts = (ys: number[]): XY[] => r.lrs.map((x, i) => ({ x, y: Number.isFinite(ys[i]) ? ys[i] : Number.NaN }));
      const rawC = clampPoints(pts(r.losses), axis);
      const smoothC = clampPoints(pts(r.smoothed), axis);
      raw.data = rawC.points;
      smooth.data = smoothC.points;
      this.points = smoothC.points.length;
      suggested.data = r.suggestion ? [{ x: r.suggestion.lr, y: r.suggestion.loss }] : [];
      suggested.label = r.suggestion ? `suggested ${formatNumber(r.suggestion.lr)}` : 'no suggestion';
      const markers: EdgeMarker[] = smoothC.clamped.map((m) => ({ x: m.x, kind: m.kind, color: this.theme.muted }));
      r.losses.forEach((y, i) => {
        if (!Number.isFinite(y)) markers.push({ x: r.lrs[i], kind: Number.isNaN(y) ? 'nan' : y > 0 ? '+inf' : '-inf', color: this.theme.red });
      });
      this.annotations.markers = markers;
      const lines: VLine[] = [];
      if (r.valley) {
        lines.push({ x: r.valley.first.lr, color: this.theme.muted, dash: [2, 3] }, { x: r.valley.last.lr, color: this.theme.muted, dash: [2, 3], label: 'longest descent' });
      }
      if (r.suggestion) lines.push({ x: r.suggestion.lr, color: this.theme.green, dash: [6, 3], label: `suggested ${formatNumber(r.suggestion.lr)}` });
      if (r.currentLr >= r.lrs[0] && r.currentLr <= r.lrs[r.lrs.length - 1] * 10) {
        lines.push({ x: r.currentLr, color: this.theme.yellow, label: `${r.from === 'current' ? 'run' : 'file'} ${formatNumber(r.currentLr)}` });
      }
      this.annotations.vlines = lines.sort((a, b) => a.x - b.x);
      if (!this.axis || this.axis.min !== axis.min || this.axis.max !== axis.max) {
        this.axis = axis;
        this.chart.options = this.options();
      }
    });
  }
}
