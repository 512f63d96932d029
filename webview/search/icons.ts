/** The search view's few extra 16×16 icons (codicon-like, inline SVG built with the DOM: CSP-clean). */

const PATHS = {
  kill: 'M4.05 3 8 6.95 11.95 3 13 4.05 9.05 8 13 11.95 11.95 13 8 9.05 4.05 13 3 11.95 6.95 8 3 4.05z',
  dashboard: 'M1.5 2h13v12h-13zM3 3.5v9h10v-9zm1 7 2.5-3 2 2 2.5-4 1 .7-3.3 5.3-2-2L5.2 11z',
  add: 'M7.25 2h1.5v5.25H14v1.5H8.75V14h-1.5V8.75H2v-1.5h5.25z',
  export: 'M8 1.5 11.7 5.2l-1 1L8.75 4.3V10h-1.5V4.3L5.3 6.2l-1-1zM2.5 9h1.5v3.5h8V9h1.5v5h-11z',
  file: 'M3 1.5h6.4L13 5.1v9.4H3zm1.5 1.5v10h7V6H8.5V3z',
  stop: 'M3.5 3.5h9v9h-9z',
  play: 'M4.5 2.5v11l9-5.5z',
} as const;

export type SearchIconName = keyof typeof PATHS;

const NS = 'http://www.w3.org/2000/svg';

export function searchIcon(name: SearchIconName, cls = 'icon'): SVGSVGElement {
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
