/** A chart/report card: title, optional subtitle and tools, body. */
import { button, h } from '../dom';
import type { Child } from '../dom';
import { icon } from '../icons';

export interface CardSpec {
  id: string;
  title: string;
  subtitle?: string;
  tools?: Child[];
  body: Child[];
  cls?: string;
}

export function card(spec: CardSpec): HTMLElement {
  return h('section', { id: `card-${spec.id}`, cls: `card ${spec.cls ?? ''}`.trim(), attrs: { 'aria-labelledby': `title-${spec.id}` } },
    h('div', { cls: 'card-head' },
      h('div', { cls: 'card-titles' },
        h('h2', { id: `title-${spec.id}`, text: spec.title }),
        spec.subtitle ? h('span', { cls: 'card-subtitle', text: spec.subtitle }) : null),
      h('div', { cls: 'card-tools' }, ...(spec.tools ?? []))),
    h('div', { cls: 'card-body' }, ...spec.body));
}

/** A chart canvas inside a sized box (Chart.js sizes itself to its parent). */
export function chartBox(id: string, label: string, cls = 'chart-box'): { box: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = h('canvas', { id, attrs: { role: 'img', 'aria-label': label } });
  return { box: h('div', { cls }, canvas), canvas };
}

/** "Save as PNG" for one chart: posts `savePng` with the chart's data URL. */
export function pngButton(chart: string, label: string, toPng: () => string, post: (chart: string, dataUrl: string) => void): HTMLElement {
  const b = button('icon', {
    id: `png-${chart}`, cls: 'png-btn', title: `Save the ${label} chart as PNG`,
    attrs: { 'aria-label': `Save the ${label} chart as PNG`, 'data-chart': chart },
  }, icon('save'), h('span', { cls: 'png-label', text: 'PNG' }));
  b.addEventListener('click', () => post(chart, toPng()));
  return b;
}
