/**
 * Activation health per layer, one chart per statistic (issue 9 §5): activation mean and standard
 * deviation (linear, outlier-robust extents on request), saturated tanh/sigmoid units and dead
 * ReLUs (fractions, 0–100 %). Only the layers a statistic means something for are drawn: dead
 * ReLUs for relu layers, saturation for tanh/sigmoid, mean/std for every hidden layer.
 */
import type { RunView } from '../../src/shared/run-view';
import { formatNumber, layerSeries, type LayerField } from '../../src/shared/series';
import type { Theme } from '../theme';
import { percentTick } from '../format';
import { StreamChart } from './base';
import { linePoints, seriesKey } from './common';
import { axisNote, clampPoints, fitLinearAxis, nonFiniteOfLines, type LinearAxis } from './axes';
import { baseOptions } from './setup';
import type { EdgeMarker, LineOptions } from './setup';

export type ActivationField = Extract<LayerField, 'activationMean' | 'activationStd' | 'saturated' | 'deadRelu'>;

const SPEC: Record<ActivationField, { title: string; fraction: boolean; applies: (activation: string) => boolean }> = {
  activationMean: { title: 'mean activation', fraction: false, applies: isHidden },
  activationStd: { title: 'activation std', fraction: false, applies: isHidden },
  saturated: { title: 'saturated units', fraction: true, applies: (a) => a === 'tanh' || a === 'sigmoid' },
  deadRelu: { title: 'dead ReLUs', fraction: true, applies: (a) => a === 'relu' },
};

function isHidden(activation: string): boolean {
  return ['relu', 'leakyRelu', 'tanh', 'sigmoid', 'linear'].includes(activation);
}

/** Which layers of the run a statistic is drawn for (by the activation RunInfo gives each layer). */
export function activationLayers(view: RunView, field: ActivationField): Set<string> {
  return new Set((view.info?.layers ?? []).filter((l) => SPEC[field].applies(l.activation)).map((l) => l.label));
}

export class ActivationChart extends StreamChart {
  /** The y range set on the chart; undefined ends let Chart.js pick nice ticks around all the data. */
  private axis: { min?: number; max?: number } | null = null;
  /** Layers drawn by the last update (0: the card says why it is empty). */
  layers = 0;
  note = '';

  constructor(canvas: HTMLCanvasElement, theme: Theme, private readonly field: ActivationField) {
    super(canvas, theme);
    this.restyle();
  }

  protected options(): LineOptions {
    const spec = SPEC[this.field];
    return baseOptions(this.theme,
      { type: 'linear', title: 'iteration', integer: true, tight: true, min: 0 },
      { type: 'linear', title: spec.title, min: this.axis?.min, max: this.axis?.max, format: spec.fraction ? percentTick : (v) => formatNumber(v) });
  }

  protected colorDatasets(): void {
    this.chart.data.datasets.forEach((d, i) => {
      const c = this.theme.palette[i % this.theme.palette.length];
      d.borderColor = d.backgroundColor = c;
      d.borderWidth = 1.5 * this.theme.lineScale;
    });
  }

  update(view: RunView, maxPoints: number, version: number, ignoreOutliers: boolean): boolean {
    const key = `${version}|${view.runId}|${seriesKey(view.layers)}|${maxPoints}|${ignoreOutliers}|${view.info?.layers.length}`;
    return this.redrawIf(key, () => {
      const wanted = activationLayers(view, this.field);
      const series = layerSeries(view, this.field).filter((s) => wanted.has(s.layer));
      this.layers = series.length;
      const ds = this.ensureDatasets(series.length, () => ({ label: '', data: [] }));
      const fraction = SPEC[this.field].fraction;
      const robust = ignoreOutliers && !fraction;
      const fitted: LinearAxis = fitLinearAxis(series.map((s) => s.ys), robust);
      // Fractions always on 0–100 %: "how many are dead" reads at a glance only on a fixed scale.
      const axis = fraction ? { min: 0, max: 1 } : robust ? { min: fitted.min, max: fitted.max } : { min: -Infinity, max: Infinity };
      const markers: EdgeMarker[] = [];
      let outside = 0;
      series.forEach((s, i) => {
        const p = linePoints(s, this.theme.red);
        const c = clampPoints(p.points, axis);
        ds[i].label = s.layer;
        ds[i].data = c.points;
        markers.push(...p.markers, ...c.clamped.map((m) => ({ x: m.x, kind: m.kind, color: this.theme.muted })));
      });
      for (const s of series) for (const y of s.ys) if (Number.isFinite(y) && (y < axis.min || y > axis.max)) outside++;
      this.annotations.markers = markers;
      this.note = axisNote({ outside, nonFinite: nonFiniteOfLines(series) });
      const shown: { min?: number; max?: number } = Number.isFinite(axis.min) ? axis : {};
      if (!this.axis || shown.min !== this.axis.min || shown.max !== this.axis.max) {
        this.axis = shown;
        this.chart.options = this.options();
      }
    });
  }
}
