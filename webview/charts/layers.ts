/**
 * Per-layer charts on log axes: ‖dW‖ with shaded vanishing/exploding bands, and the update/weight
 * ratio ‖ΔW‖/‖W‖ with a dashed 1e-3 guide. The axis floor is six decades below the robust maximum
 * (./axes): values below it are drawn on the floor with hollow markers; non-finite values are red
 * triangles on the top edge. `note` says how many of each there are.
 */
import type { RunView } from '../../src/shared/run-view';
import { GRAD_EXPLODING, GRAD_VANISHING, layerSeries, UPDATE_RATIO_GUIDE } from '../../src/shared/series';
import type { LayerField } from '../../src/shared/series';
import type { Theme } from '../theme';
import { StreamChart } from './base';
import { baseOptions } from './setup';
import type { EdgeMarker, LineOptions } from './setup';
import { linePoints, seriesKey } from './common';
import { axisNote, clampPoints, fitLogAxis, nonFiniteOfLines } from './axes';

export class LayerChart extends StreamChart {
  private range: [number, number] | null = null;
  /** What the axis could not show in place (values under the floor, NaN/Inf), for the card. */
  note = '';

  constructor(canvas: HTMLCanvasElement, theme: Theme, private readonly field: Extract<LayerField, 'gradNorm' | 'updateRatio'>) {
    super(canvas, theme);
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

  update(view: RunView, version: number): boolean {
    const key = `${version}|${view.runId}|${seriesKey(view.layers)}`;
    return this.redrawIf(key, () => {
      const series = layerSeries(view, this.field);
      const ds = this.ensureDatasets(series.length, () => ({ label: '', data: [] }));
      const markers: EdgeMarker[] = [];
      const guide = this.field === 'gradNorm' ? [GRAD_VANISHING, GRAD_EXPLODING] : [UPDATE_RATIO_GUIDE, UPDATE_RATIO_GUIDE];
      const axis = fitLogAxis(series.map((s) => s.ys), [guide[0] / 10, guide[1] * 10]);
      // Band edges and the guide stay in view when they are within a decade or two of the data.
      const reach = this.field === 'gradNorm' ? 10 : 100;
      const lo = guide[0] < axis.min && guide[0] * reach >= axis.min ? guide[0] / 10 : axis.min;
      const hi = guide[1] > axis.max && guide[1] <= axis.max * reach ? guide[1] * 10 : axis.max;
      const range: [number, number] = [lo, hi];
      let below = 0;
      for (let i = 0; i < series.length; i++) {
        const p = linePoints(series[i], this.theme.red);
        const c = clampPoints(p.points, { min: lo, max: Infinity });
        ds[i].label = series[i].layer;
        ds[i].data = c.points;
        markers.push(...p.markers, ...c.clamped.map((m) => ({ x: m.x, kind: m.kind, color: this.theme.muted })));
      }
      for (const s of series) for (const y of s.ys) if (Number.isFinite(y) && y < lo) below++;
      this.annotations.markers = markers;
      this.note = axisNote({ below, floor: lo, nonFinite: nonFiniteOfLines(series) });
      if (this.field === 'gradNorm') {
        this.annotations.bands = [
          { from: 0, to: GRAD_VANISHING, color: this.theme.bands.vanishing, label: `vanishing < ${fmtPow(GRAD_VANISHING)}` },
          { from: GRAD_EXPLODING, to: Infinity, color: this.theme.bands.exploding, label: `exploding > ${fmtPow(GRAD_EXPLODING)}` },
        ];
      } else {
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
