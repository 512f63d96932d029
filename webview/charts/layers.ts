/**
 * Per-layer charts on log axes: ‖dW‖ with shaded vanishing/exploding bands, and the update/weight
 * ratio ‖ΔW‖/‖W‖ with a dashed 1e-3 guide. Non-finite values are red triangles on the top edge.
 */
import type { RunView } from '../../src/shared/run-view';
import { GRAD_EXPLODING, GRAD_VANISHING, UPDATE_RATIO_GUIDE } from '../../src/shared/series';
import { LayerSeriesCache } from './cache';
import type { LayerField } from '../../src/shared/series';
import type { Theme } from '../theme';
import { StreamChart } from './base';
import { baseOptions } from './setup';
import type { EdgeMarker, LineOptions, XY } from './setup';
import { positiveRange, pow10Ceil, pow10Floor, toPoints } from './common';

export class LayerChart extends StreamChart {
  private range: [number, number] | null = null;
  private readonly cache: LayerSeriesCache;

  constructor(canvas: HTMLCanvasElement, theme: Theme, private readonly field: Extract<LayerField, 'gradNorm' | 'updateRatio'>) {
    super(canvas, theme);
    this.cache = new LayerSeriesCache(field);
    this.restyle();
  }

  protected options(): LineOptions {
    return baseOptions(this.theme,
      { type: 'linear', title: 'iteration', integer: true, tight: true, min: 0 },
      { type: 'logarithmic', title: this.field === 'gradNorm' ? '‖dW‖' : '‖ΔW‖ / ‖W‖', min: this.range?.[0], max: this.range?.[1] });
  }

  protected colorDatasets(): void {
    this.chart.data.datasets.forEach((d, i) => {
      const c = this.theme.palette[i % this.theme.palette.length];
      d.borderColor = d.backgroundColor = c;
      d.borderWidth = 1.5 * this.theme.lineScale;
    });
  }

  update(view: RunView, maxPoints: number, version: number): boolean {
    const last = view.layerStats[view.layerStats.length - 1];
    const key = `${version}|${view.runId}|${view.layerStats.length}|${last?.iteration}|${maxPoints}`;
    return this.redrawIf(key, () => {
      const series = this.cache.get(view, `${version}|${view.runId}`);
      const ds = this.ensureDatasets(series.length, () => ({ label: '', data: [] }));
      const markers: EdgeMarker[] = [];
      const all: XY[][] = [];
      for (let i = 0; i < series.length; i++) {
        const p = toPoints(series[i].xs, series[i].ys, maxPoints, this.theme.red);
        ds[i].label = series[i].layer;
        ds[i].data = p.points;
        markers.push(...p.markers);
        all.push(p.points);
      }
      this.annotations.markers = markers;
      const r = positiveRange(all);
      let range: [number, number];
      if (this.field === 'gradNorm') {
        // Always show a sliver of both bands, so "where is danger" is visible at a glance.
        const lo = r ? Math.min(r[0], GRAD_VANISHING) : GRAD_VANISHING;
        const hi = r ? Math.max(r[1], GRAD_EXPLODING) : GRAD_EXPLODING;
        range = [pow10Floor(lo) / 10, pow10Ceil(hi) * 10];
        this.annotations.bands = [
          { from: 0, to: GRAD_VANISHING, color: this.theme.bands.vanishing, label: `vanishing < ${fmtPow(GRAD_VANISHING)}` },
          { from: GRAD_EXPLODING, to: Infinity, color: this.theme.bands.exploding, label: `exploding > ${fmtPow(GRAD_EXPLODING)}` },
        ];
      } else {
        const lo = r ? Math.min(r[0], UPDATE_RATIO_GUIDE) : UPDATE_RATIO_GUIDE / 10;
        const hi = r ? Math.max(r[1], UPDATE_RATIO_GUIDE) : UPDATE_RATIO_GUIDE * 10;
        range = [pow10Floor(lo), pow10Ceil(hi * 1.0001)];
        this.annotations.hlines = [{ y: UPDATE_RATIO_GUIDE, color: this.theme.muted, dash: [6, 4], label: '1e-3 (healthy)' }];
      }
      if (!this.range || range[0] !== this.range[0] || range[1] !== this.range[1]) {
        this.range = range;
        this.chart.options = this.options();
      }
    });
  }
}

function fmtPow(v: number): string {
  return `1e${Math.round(Math.log10(v))}`;
}
