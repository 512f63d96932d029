/**
 * Decision boundary of a 2-D model: `snapshot.boundary.values` is a resolution × resolution grid,
 * row-major, row r at y = yMin + r·(yMax − yMin)/(resolution − 1) (row 0 at the bottom), column c
 * at x likewise. Binary: P(class 1) on a diverging ramp with the p = 0.5 contour; multiclass:
 * predicted class in faded class colours. The training or the dev points (a toggle; the caption
 * says which) on top in full class colours.
 */
import type { Snapshot } from '../../src/shared/protocol';
import type { RunView } from '../../src/shared/run-view';
import { formatNumber } from '../../src/shared/series';
import { h, renderIfChanged, setText } from '../dom';
import type { Theme } from '../theme';
import { mix, parseColor } from '../theme';
import { canvasToPng } from '../charts/base';
import { boundaryCaption, boundaryPoints, hasSet, type BoundarySet } from './boundary-points';

type Boundary = NonNullable<Snapshot['boundary']>;

export class BoundaryPanel {
  readonly root: HTMLElement;
  readonly canvas = h('canvas', { id: 'boundary', attrs: { role: 'img', 'aria-label': 'Decision boundary' } });
  private readonly legend = h('div', { cls: 'boundary-legend' });
  private readonly caption = h('div', { cls: 'boundary-caption muted' });
  private set: BoundarySet = 'train';
  private epoch: number | undefined;
  private readonly setInputs = (['train', 'dev'] as const).map((set) => {
    const input = h('input', { cls: 'gl-radio', attrs: { type: 'radio', name: 'boundary-set', value: set, 'data-set': set } });
    input.checked = set === this.set;
    input.addEventListener('change', () => {
      if (!input.checked) return;
      this.set = set;
      this.showCaption(this.drawn.boundary);
      this.draw(this.drawn.boundary, true);
    });
    return input;
  });
  private readonly setPicker = h('div', { cls: 'boundary-set', attrs: { role: 'radiogroup', 'aria-label': 'Points drawn' } },
    h('span', { cls: 'muted', text: 'points:' }),
    ...this.setInputs.map((input) => h('label', { cls: 'check-label' }, input, h('span', { text: input.value === 'dev' ? 'dev' : 'training' }))));
  private readonly empty = h('p', { cls: 'empty', text: 'No decision boundary: it is drawn for 2-D inputs, every few epochs (diagnostics.snapshotEvery).' });
  private drawn: { boundary: Boundary | undefined; theme: Theme | null; w: number; h: number } = { boundary: undefined, theme: null, w: 0, h: 0 };
  private theme: Theme;
  private resize: ResizeObserver | null = null;
  private classes: string[] = [];

  constructor(theme: Theme) {
    this.theme = theme;
    this.root = h('div', { cls: 'boundary' }, h('div', { cls: 'boundary-canvas-wrap' }, this.canvas), this.setPicker, this.caption, this.legend, this.empty);
    if (typeof ResizeObserver !== 'undefined') {
      this.resize = new ResizeObserver(() => this.draw(this.drawn.boundary, true));
      this.resize.observe(this.canvas);
    }
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.draw(this.drawn.boundary, true);
  }

  update(view: RunView): void {
    const b = view.snapshot?.boundary;
    this.classes = view.info?.classes ?? view.snapshot?.confusion?.classes ?? [];
    this.root.dataset.has = b ? 'true' : 'false';
    this.empty.hidden = !!b;
    this.canvas.hidden = !b;
    this.setPicker.hidden = !b;
    this.epoch = view.snapshot?.epoch;
    this.showCaption(b);
    this.draw(b, false);
  }

  private showCaption(b: Boundary | undefined): void {
    if (b) {
      const dev = this.setInputs[1];
      dev.disabled = !hasSet(b, 'dev');
      dev.title = dev.disabled ? 'This run has no dev set (or its engine did not send dev points)' : '';
      if (dev.disabled && this.set === 'dev') {
        this.set = 'train';
        this.setInputs[0].checked = true;
      }
    }
    this.root.dataset.points = this.set;
    setText(this.caption, b ? boundaryCaption(b, this.set, this.epoch) : '');
  }

  toPng(): string {
    return canvasToPng(this.canvas, this.theme.surface);
  }

  private classColor(k: number): string {
    // Binary: class 0 blue, class 1 orange (colour-blind safe pair); more classes: the palette.
    return this.theme.palette[k % this.theme.palette.length];
  }

  private draw(b: Boundary | undefined, force: boolean): void {
    const rect = this.canvas.getBoundingClientRect();
    const cssW = Math.max(1, Math.round(rect.width));
    const cssH = Math.max(1, Math.round(rect.height));
    if (!force && b === this.drawn.boundary && this.theme === this.drawn.theme && cssW === this.drawn.w && cssH === this.drawn.h) return;
    this.drawn = { boundary: b, theme: this.theme, w: cssW, h: cssH };
    if (!b || rect.width === 0) return;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(cssW * dpr);
    this.canvas.height = Math.round(cssH * dpr);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    const t = this.theme;
    const font = `${Math.max(10, t.fontSize - 2)}px ${t.fontFamily}`;
    const pad = { l: 34, r: 8, t: 8, b: 22 };
    // Keep the data's aspect ratio (a circle stays a circle).
    const spanX = b.xMax - b.xMin || 1;
    const spanY = b.yMax - b.yMin || 1;
    const availW = cssW - pad.l - pad.r;
    const availH = cssH - pad.t - pad.b;
    const scale = Math.min(availW / spanX, availH / spanY);
    const pw = spanX * scale;
    const ph = spanY * scale;
    const ox = pad.l + (availW - pw) / 2;
    const oy = pad.t + (availH - ph) / 2;
    const X = (x: number): number => ox + ((x - b.xMin) / spanX) * pw;
    const Y = (y: number): number => oy + ph - ((y - b.yMin) / spanY) * ph;

    // 1. The grid as an image, one pixel per cell, scaled up (smoothly for probabilities).
    const res = b.resolution;
    const img = document.createElement('canvas');
    img.width = res;
    img.height = res;
    const ictx = img.getContext('2d');
    if (!ictx) return;
    const data = ictx.createImageData(res, res);
    const c0 = this.classColor(0);
    const c1 = this.classColor(1);
    const classRgb = Array.from({ length: Math.max(2, this.classes.length) }, (_, k) => mix(t.surface, this.classColor(k), 0.38));
    for (let row = 0; row < res; row++) {
      for (let col = 0; col < res; col++) {
        const v = b.values[row * res + col];
        let rgb: [number, number, number];
        if (b.kind === 'probability') {
          const p = Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0.5;
          rgb = p < 0.5 ? mix(t.surface, c0, (0.5 - p) * 2 * 0.6) : mix(t.surface, c1, (p - 0.5) * 2 * 0.6);
        } else {
          rgb = classRgb[Math.max(0, Math.round(v)) % classRgb.length] ?? mix(t.surface, t.fg, 0.1);
        }
        const o = ((res - 1 - row) * res + col) * 4; // row 0 is the bottom of the picture
        data.data[o] = rgb[0];
        data.data[o + 1] = rgb[1];
        data.data[o + 2] = rgb[2];
        data.data[o + 3] = 255;
      }
    }
    ictx.putImageData(data, 0, 0);
    ctx.imageSmoothingEnabled = b.kind === 'probability';
    // Cell centres sit on the grid coordinates: extend half a cell on each side.
    const cw = pw / Math.max(1, res - 1);
    const chh = ph / Math.max(1, res - 1);
    ctx.save();
    ctx.beginPath();
    ctx.rect(ox, oy, pw, ph);
    ctx.clip();
    ctx.drawImage(img, ox - cw / 2, oy - chh / 2, pw + cw, ph + chh);

    // 2. The p = 0.5 contour (marching squares).
    if (b.kind === 'probability') {
      ctx.strokeStyle = t.fg;
      ctx.lineWidth = 1.5 * t.lineScale;
      ctx.beginPath();
      const gx = (c: number): number => ox + c * cw;
      const gy = (r: number): number => oy + ph - r * chh;
      const val = (r: number, c: number): number => b.values[r * res + c] - 0.5;
      for (let r = 0; r < res - 1; r++) {
        for (let c = 0; c < res - 1; c++) {
          const a = val(r, c);
          const bb = val(r, c + 1);
          const cc = val(r + 1, c + 1);
          const d = val(r + 1, c);
          const pts: [number, number][] = [];
          const edge = (v1: number, v2: number, x1: number, y1: number, x2: number, y2: number): void => {
            if ((v1 < 0) !== (v2 < 0) && Number.isFinite(v1) && Number.isFinite(v2)) {
              const s = v1 / (v1 - v2);
              pts.push([x1 + (x2 - x1) * s, y1 + (y2 - y1) * s]);
            }
          };
          edge(a, bb, gx(c), gy(r), gx(c + 1), gy(r));
          edge(bb, cc, gx(c + 1), gy(r), gx(c + 1), gy(r + 1));
          edge(cc, d, gx(c + 1), gy(r + 1), gx(c), gy(r + 1));
          edge(d, a, gx(c), gy(r + 1), gx(c), gy(r));
          for (let k = 0; k + 1 < pts.length; k += 2) {
            ctx.moveTo(pts[k][0], pts[k][1]);
            ctx.lineTo(pts[k + 1][0], pts[k + 1][1]);
          }
        }
      }
      ctx.stroke();
    }

    // 3. The points.
    const [br, bg, bb] = parseColor(t.surface);
    ctx.lineWidth = 1;
    ctx.strokeStyle = `rgb(${br}, ${bg}, ${bb})`;
    for (const p of boundaryPoints(b, this.set)) {
      ctx.fillStyle = this.classColor(p.label);
      ctx.beginPath();
      ctx.arc(X(p.x), Y(p.y), 3.2, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
    ctx.restore();

    // 4. Frame and ticks.
    ctx.strokeStyle = t.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(ox + 0.5, oy + 0.5, pw - 1, ph - 1);
    ctx.fillStyle = t.muted;
    ctx.font = font;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    ctx.fillText(formatNumber(b.xMin, 2), ox, oy + ph + 4);
    ctx.textAlign = 'right';
    ctx.fillText(formatNumber(b.xMax, 2), ox + pw, oy + ph + 4);
    ctx.textAlign = 'center';
    ctx.fillText('x₁', ox + pw / 2, oy + ph + 4);
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    ctx.fillText(formatNumber(b.yMax, 2), ox - 4, oy + 6);
    ctx.fillText(formatNumber(b.yMin, 2), ox - 4, oy + ph - 6);
    ctx.fillText('x₂', ox - 4, oy + ph / 2);

    // 5. Legend (HTML, so it wraps and reads well).
    const names = this.classes.length ? this.classes : ['0', '1'];
    renderIfChanged(this.legend, `${names.join('|')}|${b.kind}|${t.kind}|${c0}|${c1}`, () => [
      ...names.map((n, k) => {
        const sw = h('span', { cls: 'swatch' });
        sw.style.setProperty('background-color', this.classColor(k));
        return h('span', { cls: 'legend-item' }, sw, h('span', { text: `class ${n}` }));
      }),
      b.kind === 'probability' ? h('span', { cls: 'legend-item muted' }, h('span', { cls: 'contour-swatch' }), h('span', { text: 'P = 0.5' })) : null,
    ]);
  }
}

/** Dev-set confusion matrix (rows = true class, columns = predicted), cells shaded by row share. */
export class ConfusionPanel {
  readonly root = h('div', { id: 'confusion', cls: 'confusion' });
  private theme: Theme;
  private last: Snapshot['confusion'] | undefined;

  constructor(theme: Theme) {
    this.theme = theme;
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.last = undefined;
    delete this.root.dataset.renderKey;
  }

  update(view: RunView): void {
    const c = view.snapshot?.confusion;
    if (c === this.last && this.root.dataset.renderKey) return;
    this.last = c;
    renderIfChanged(this.root, c ? JSON.stringify(c) + this.theme.kind : 'none', () => {
      if (!c) return [h('p', { cls: 'empty', text: 'No confusion matrix yet (classification runs, with the decision-boundary snapshots).' })];
      const n = c.classes.length;
      const total = c.matrix.reduce((a, r) => a + r.reduce((x, y) => x + y, 0), 0);
      const correct = c.matrix.reduce((a, r, i) => a + (r[i] ?? 0), 0);
      const table = h('table', { cls: n > 6 ? 'cm-table dense' : 'cm-table' });
      table.append(h('thead', {},
        h('tr', {}, h('th', { cls: 'corner', attrs: { rowspan: 2 }, text: 'true ↓' }), h('th', { cls: 'axis-label', attrs: { colspan: n }, text: 'predicted →' }), h('th', { attrs: { rowspan: 2 }, cls: 'num', text: 'recall' })),
        h('tr', {}, ...c.classes.map((k) => h('th', { cls: 'num', text: k })))));
      const body = h('tbody');
      c.matrix.forEach((row, i) => {
        const rowTotal = row.reduce((a, b) => a + b, 0) || 1;
        const tr = h('tr', {}, h('th', { cls: 'row-head', text: c.classes[i] ?? String(i) }));
        row.forEach((count, j) => {
          const share = count / rowTotal;
          const td = h('td', { cls: i === j ? 'cell diag num' : 'cell off num', text: String(count), title: `true ${c.classes[i]}, predicted ${c.classes[j]}: ${count} (${(share * 100).toFixed(1)}% of the row)` });
          const color = i === j ? this.theme.blue : this.theme.red;
          const [r, g, b] = parseColor(color);
          if (count > 0) td.style.setProperty('background-color', `rgba(${r}, ${g}, ${b}, ${(0.08 + 0.6 * share).toFixed(3)})`);
          tr.append(td);
        });
        tr.append(h('td', { cls: 'num muted', text: `${(((row[i] ?? 0) / rowTotal) * 100).toFixed(1)}%` }));
        body.append(tr);
      });
      table.append(body);
      return [h('div', { cls: 'table-wrap' }, table),
        h('p', { cls: 'muted cm-note', text: `Dev set · accuracy ${total ? ((correct / total) * 100).toFixed(1) : '—'}% (${correct} of ${total}) · epoch ${view.snapshot?.epoch ?? '?'}` })];
    });
  }
}
