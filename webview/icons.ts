/** A few codicon-like 16×16 icons as inline SVG (built with the DOM, so the CSP is happy). */

const PATHS = {
  pause: 'M4.5 3h2v10h-2zM9.5 3h2v10h-2z',
  play: 'M4.5 2.5v11l9-5.5z',
  step: 'M2 9.5a6 6 0 0 1 11.2-3h-2.2v1.5h4.5V3.5H14v1.8A7.5 7.5 0 0 0 .5 9.5zM6 11.5a2 2 0 1 0 4 0 2 2 0 0 0-4 0z',
  stop: 'M3.5 3.5h9v9h-9z',
  beaker: 'M6 1.5h4v1H9.5v4.2l4 6.6A1 1 0 0 1 12.6 15H3.4a1 1 0 0 1-.9-1.7l4-6.6V2.5H6zm1.5 1v4.5L5.6 10h4.8L8.5 7V2.5z',
  test: 'M2 3h9v1.5H2zM2 7h9v1.5H2zM2 11h5v1.5H2zM9.6 13.9 7.9 12.2l1-1 .7.7 3.3-3.3 1 1z',
  save: 'M8 1.5v8.3l2.7-2.7 1 1L8 12 4.3 8.1l1-1L7.3 9.8V1.5zM2.5 13h11v1.5h-11z',
  error: 'M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zm2.8 8.7-1 1L8 8.9l-1.8 1.8-1-1L7 8 5.2 6.2l1-1L8 7l1.8-1.8 1 1L9 8z',
  warning: 'M8.9 1.9a1 1 0 0 0-1.8 0L.8 13.5A1 1 0 0 0 1.7 15h12.6a1 1 0 0 0 .9-1.5zM8.8 12.5H7.2V11h1.6zm0-2.5H7.2V5.5h1.6z',
  info: 'M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zm.8 11H7.2V7h1.6zm0-6H7.2V4.5h1.6z',
  check: 'M6.3 11.6 2.7 8l1-1 2.6 2.5 6-6 1 1z',
  // The search view's.
  kill: 'M4.05 3 8 6.95 11.95 3 13 4.05 9.05 8 13 11.95 11.95 13 8 9.05 4.05 13 3 11.95 6.95 8 3 4.05z',
  dashboard: 'M1.5 2h13v12h-13zM3 3.5v9h10v-9zm1 7 2.5-3 2 2 2.5-4 1 .7-3.3 5.3-2-2L5.2 11z',
  add: 'M7.25 2h1.5v5.25H14v1.5H8.75V14h-1.5V8.75H2v-1.5h5.25z',
  export: 'M8 1.5 11.7 5.2l-1 1L8.75 4.3V10h-1.5V4.3L5.3 6.2l-1-1zM2.5 9h1.5v3.5h8V9h1.5v5h-11z',
  graph: 'M1.5 1.5H3v11.5h11.5v1.5h-13zM4.5 11l2.8-4.2 2.2 2 3.3-5.3 1.3.8-4.3 6.8-2.2-2L5.8 11.8z',
  file: 'M3 1.5h6.4L13 5.1v9.4H3zm1.5 1.5v10h7V6H8.5V3z',
  promote: 'M8 1.5 13 6.5l-1.05 1.05-3.2-3.2V14.5h-1.5V4.35l-3.2 3.2L3 6.5z',
  table: 'M1.5 2.5h13v11h-13zM3 4v2h4.25V4zm5.75 0v2H13V4zM3 7.5v2h4.25v-2zm5.75 0v2H13v-2zM3 11v1h4.25v-1zm5.75 0v1H13v-1z',
} as const;

export type IconName = keyof typeof PATHS;

const NS = 'http://www.w3.org/2000/svg';

export function icon(name: IconName, cls = 'icon'): SVGSVGElement {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', PATHS[name]);
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('fill-rule', 'evenodd');
  svg.append(path);
  return svg;
}
