/**
 * The parallel-coordinates chart of a search (SVG): one axis per hyperparameter and one for the
 * metric (./parallel-model.ts), a line per trial coloured by its rank. Drag along an axis to brush
 * it (a click on the axis clears its brush); drag an axis' name sideways, or focus it and press
 * ←/→, to move it. Every change goes to `onChange` as plain state, which the view filters the
 * table and scatters with and keeps in the webview state.
 */
import type { TrialRecord } from '../../src/shared/search-protocol';
import { shownTrialState, type SearchView } from '../../src/shared/search-view';
import { h } from '../dom';
import { mix, withAlpha, type Theme } from '../theme';
import { jitter } from './axes';
import {
  brushBetween, brushedTrials, coordOf, describeBrush, moveAxis, orderedAxes, parallelAxes, positionOf, setBrush,
  type ParallelAxis, type ParallelState,
} from './parallel-model';

const NS = 'http://www.w3.org/2000/svg';
const HEIGHT = 280;
const TOP = 34;
const BOTTOM = 24;
const SIDE = 56;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: (SVGElement | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

export class ParallelCoordinates {
  readonly root = h('div', { id: 'parallel', cls: 'pc-wrap' });
  private readonly svgEl = svg('svg', { class: 'pc-svg', role: 'img', 'aria-label': 'Parallel coordinates of the trials' });
  private view: SearchView | null = null;
  private axes: ParallelAxis[] = [];
  private kept: Set<number> | null = null;
  private key = '';
  private width = 800;
  /** A brush or an axis is being dragged: redraws wait (they would replace the element that has the pointer). */
  private dragging = false;

  constructor(private theme: Theme, private state: ParallelState, private readonly onChange: (state: ParallelState) => void) {
    this.root.append(this.svgEl);
    const resize = new ResizeObserver(() => {
      const w = Math.round(this.root.clientWidth);
      if (w > 0 && Math.abs(w - this.width) > 4) {
        this.width = w;
        this.redraw();
      }
    });
    resize.observe(this.root);
  }

  /** The trials the brushes keep (null: no brush, all of them). */
  get filter(): Set<number> | null {
    return this.kept;
  }

  get current(): ParallelState {
    return this.state;
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.redraw();
  }

  /** Replaces the state (a restored one, or a cleared one) and tells the view. */
  setState(state: ParallelState): void {
    this.state = state;
    this.refilter();
    this.redraw();
    this.onChange(this.state);
  }

  render(view: SearchView, force = false): void {
    this.view = view;
    this.axes = parallelAxes(view);
    this.refilter();
    const key = `${this.width}|${this.theme.kind}|${JSON.stringify(this.state)}|${view.metric}|${view.bestTrial}|${view.live}|`
      + view.trials.map((t) => `${t.id}:${t.state}:${t.metric}`).join(',');
    if ((!force && key === this.key) || this.dragging) return;
    this.key = key;
    this.draw();
  }

  private refilter(): void {
    this.kept = this.view ? brushedTrials(this.view, this.axes, this.state) : null;
    this.root.dataset.brushed = this.kept ? String(this.kept.size) : '';
    this.root.dataset.brushes = Object.keys(this.state.brushes).join(',');
  }

  private redraw(): void {
    this.key = '';
    if (this.view) this.render(this.view);
  }

  private change(state: ParallelState): void {
    this.state = state;
    this.refilter();
    this.redraw();
    this.onChange(state);
  }

  private x(i: number, n: number): number {
    return n <= 1 ? this.width / 2 : SIDE + (i * (this.width - 2 * SIDE)) / (n - 1);
  }

  private y(p: number): number {
    return TOP + (1 - p) * (HEIGHT - TOP - BOTTOM);
  }

  private draw(): void {
    const v = this.view;
    if (!v) return;
    const t = this.theme;
    const axes = orderedAxes(this.axes, this.state);
    const n = axes.length;
    this.svgEl.setAttribute('viewBox', `0 0 ${this.width} ${HEIGHT}`);
    this.svgEl.setAttribute('width', String(this.width));
    this.svgEl.setAttribute('height', String(HEIGHT));
    this.svgEl.replaceChildren();

    // Lines first (under the axes): trials without any brush first, the best on top.
    const ranked = v.trials.filter((tr) => tr.metric !== null && Number.isFinite(tr.metric) && shownTrialState(v, tr) === 'finished')
      .sort((a, b) => (v.mode === 'max' ? b.metric! - a.metric! : a.metric! - b.metric!));
    const rank = new Map(ranked.map((tr, i) => [tr.id, ranked.length > 1 ? i / (ranked.length - 1) : 0]));
    const lines = svg('g', { class: 'pc-lines' });
    const order = [...v.trials].sort((a, b) => this.layer(v, a) - this.layer(v, b));
    for (const tr of order) {
      const pts = axes.map((a, i) => {
        const c = coordOf(a, tr);
        if (c === null) return null;
        const band = a.kind === 'choice' ? jitter(tr.id) / Math.max(1, a.choices?.length ?? 1) : 0;
        return [this.x(i, n), this.y(positionOf(a, c) + band)] as const;
      });
      let d = '';
      pts.forEach((p, i) => {
        if (!p) return;
        d += `${i > 0 && pts[i - 1] ? 'L' : 'M'}${p[0].toFixed(1)},${p[1].toFixed(1)}`;
      });
      if (!d) continue;
      const out = this.kept !== null && !this.kept.has(tr.id);
      const state = shownTrialState(v, tr);
      const best = tr.id === v.bestTrial;
      const color = out ? withAlpha(t.muted, 0.18)
        : best ? t.yellow
          : state === 'finished' ? rgb(mix(t.blue, t.muted, 0.85 * (rank.get(tr.id) ?? 1)))
            : state === 'running' || state === 'queued' || (state === 'paused' && tr.pausedAtRung === undefined) ? withAlpha(t.fg, 0.8)
              : withAlpha(t.muted, 0.6);
      const path = svg('path', {
        d, class: `pc-line${out ? ' out' : ''}${best ? ' best' : ''}`, fill: 'none', stroke: color,
        'stroke-width': (best ? 2.5 : 1.3) * t.lineScale, 'data-trial-id': tr.id,
      });
      if (state !== 'finished' && state !== 'running') path.setAttribute('stroke-dasharray', '4 3');
      path.append(svg('title', {}, `${tr.name} · ${state}`));
      lines.append(path);
    }
    this.svgEl.append(lines);

    axes.forEach((a, i) => this.svgEl.append(this.drawAxis(a, i, n, axes)));
  }

  /** Drawing order: ended and brushed-out trials below, the best on top. */
  private layer(v: SearchView, tr: TrialRecord): number {
    if (this.kept !== null && !this.kept.has(tr.id)) return 0;
    if (tr.id === v.bestTrial) return 3;
    return shownTrialState(v, tr) === 'finished' ? 2 : 1;
  }

  private drawAxis(a: ParallelAxis, i: number, n: number, axes: ParallelAxis[]): SVGGElement {
    const t = this.theme;
    const x = this.x(i, n);
    const top = this.y(1);
    const bottom = this.y(0);
    const g = svg('g', { class: 'pc-axis', 'data-axis': a.key, transform: 'translate(0,0)' });
    g.append(svg('line', { x1: x, x2: x, y1: top, y2: bottom, stroke: t.fg, 'stroke-opacity': 0.6, 'stroke-width': t.lineScale }));
    if (a.kind === 'choice') {
      const bands = a.choices?.length ?? 1;
      for (let k = 1; k < bands; k++) {
        const yy = this.y(k / bands);
        g.append(svg('line', { x1: x - 6, x2: x + 6, y1: yy, y2: yy, stroke: t.fg, 'stroke-opacity': 0.5 }));
      }
    }
    const anchor = i === n - 1 && n > 1 ? 'start' : 'end';
    const dx = anchor === 'start' ? 6 : -6;
    for (const tick of a.ticks) {
      const yy = this.y(tick.at);
      if (a.kind !== 'choice') g.append(svg('line', { x1: x - 3, x2: x, y1: yy, y2: yy, stroke: t.fg, 'stroke-opacity': 0.6 }));
      g.append(svg('text', { x: x + dx, y: yy + 3.5, 'text-anchor': anchor, class: 'pc-tick', fill: t.muted }, tick.label));
    }
    const brush = this.state.brushes[a.key];
    if (brush) {
      const y1 = this.y(positionOf(a, a.reverse ? brush.lo : brush.hi));
      const y2 = this.y(positionOf(a, a.reverse ? brush.hi : brush.lo));
      const rect = svg('rect', { x: x - 8, width: 16, y: Math.min(y1, y2), height: Math.max(2, Math.abs(y2 - y1)), class: 'pc-brush', fill: withAlpha(t.blue, 0.25), stroke: t.blue, 'data-axis': a.key });
      rect.append(svg('title', {}, `${describeBrush(a, brush, this.view!)} (click the axis to clear)`));
      g.append(rect);
    }
    // Where the pointer brushes: wider than the axis line.
    const area = svg('rect', {
      x: x - 14, width: 28, y: top - 4, height: bottom - top + 8, fill: 'transparent', class: 'pc-brush-area', 'data-axis': a.key,
      tabindex: 0, role: 'slider', 'aria-label': `Brush ${a.label}: drag along the axis; Escape clears`,
    });
    this.brushing(area, a);
    g.append(area);
    const label = svg('text', { x, y: 14, 'text-anchor': 'middle', class: 'pc-label', fill: t.fg, tabindex: 0, 'data-axis': a.key, role: 'button',
      'aria-label': `${a.label} axis: drag sideways or press ←/→ to move it` }, a.label);
    label.append(svg('title', {}, `${a.title} — drag sideways (or ←/→) to move the axis`));
    this.reordering(label, g, a, i, axes);
    g.append(label);
    if (brush) {
      g.append(svg('text', { x, y: 27, 'text-anchor': 'middle', class: 'pc-brush-note', fill: t.blue }, 'brushed'));
    }
    return g;
  }

  private positionAt(clientY: number): number {
    const r = this.svgEl.getBoundingClientRect();
    const scale = r.height > 0 ? HEIGHT / r.height : 1;
    const y = (clientY - r.top) * scale;
    return 1 - (y - TOP) / (HEIGHT - TOP - BOTTOM);
  }

  private brushing(area: SVGRectElement, a: ParallelAxis): void {
    let start: number | null = null;
    let preview: SVGRectElement | null = null;
    area.addEventListener('pointerdown', (e) => {
      area.setPointerCapture(e.pointerId);
      this.dragging = true;
      start = e.clientY;
      e.preventDefault();
    });
    area.addEventListener('pointermove', (e) => {
      if (start === null) return;
      const x = Number(area.getAttribute('x')) + 6;
      const r = this.svgEl.getBoundingClientRect();
      const scale = r.height > 0 ? HEIGHT / r.height : 1;
      const y0 = (start - r.top) * scale;
      const y1 = (e.clientY - r.top) * scale;
      preview ??= svg('rect', { x, width: 16, class: 'pc-brush preview', fill: withAlpha(this.theme.blue, 0.2), stroke: this.theme.blue });
      preview.setAttribute('y', String(Math.min(y0, y1)));
      preview.setAttribute('height', String(Math.abs(y1 - y0)));
      if (!preview.isConnected) area.parentNode?.insertBefore(preview, area);
    });
    const end = (e: PointerEvent): void => {
      if (start === null) return;
      const from = start;
      start = null;
      this.dragging = false;
      preview?.remove();
      preview = null;
      const moved = Math.abs(e.clientY - from);
      if (moved < 3) {
        if (this.state.brushes[a.key]) this.change(setBrush(this.state, a.key, null));
        else this.redraw();
        return;
      }
      this.change(setBrush(this.state, a.key, brushBetween(a, this.positionAt(from), this.positionAt(e.clientY))));
    };
    area.addEventListener('pointerup', end);
    area.addEventListener('pointercancel', () => {
      start = null;
      this.dragging = false;
      this.redraw();
      preview?.remove();
      preview = null;
    });
    area.addEventListener('keydown', (e) => {
      if ((e.key === 'Escape' || e.key === 'Delete' || e.key === 'Backspace') && this.state.brushes[a.key]) {
        this.change(setBrush(this.state, a.key, null));
        e.preventDefault();
      }
    });
  }

  private reordering(label: SVGTextElement, group: SVGGElement, a: ParallelAxis, index: number, axes: ParallelAxis[]): void {
    let start: number | null = null;
    let shift = 0;
    label.addEventListener('pointerdown', (e) => {
      label.setPointerCapture(e.pointerId);
      this.dragging = true;
      start = e.clientX;
      shift = 0;
      e.preventDefault();
    });
    label.addEventListener('pointermove', (e) => {
      if (start === null) return;
      const r = this.svgEl.getBoundingClientRect();
      shift = (e.clientX - start) * (r.width > 0 ? this.width / r.width : 1);
      group.setAttribute('transform', `translate(${shift.toFixed(1)},0)`);
    });
    const drop = (): void => {
      if (start === null) return;
      start = null;
      this.dragging = false;
      group.setAttribute('transform', 'translate(0,0)');
      const n = axes.length;
      const gap = n > 1 ? (this.width - 2 * SIDE) / (n - 1) : 1;
      const to = Math.max(0, Math.min(n - 1, Math.round(index + shift / gap)));
      if (to !== index) this.change(moveAxis(this.axes, this.state, a.key, to));
      else this.redraw();
    };
    label.addEventListener('pointerup', drop);
    label.addEventListener('pointercancel', () => {
      shift = 0;
      drop();
    });
    label.addEventListener('keydown', (e) => {
      const to = e.key === 'ArrowLeft' ? index - 1 : e.key === 'ArrowRight' ? index + 1 : null;
      if (to === null || to < 0 || to >= axes.length) return;
      e.preventDefault();
      this.change(moveAxis(this.axes, this.state, a.key, to));
      this.svgEl.querySelector<SVGTextElement>(`text.pc-label[data-axis="${CSS.escape(a.key)}"]`)?.focus();
    });
  }
}

function rgb([r, g, b]: [number, number, number]): string {
  return `rgb(${r}, ${g}, ${b})`;
}
