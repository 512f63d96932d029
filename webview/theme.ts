/**
 * Colours and fonts of the current VS Code theme, read from the CSS variables VS Code puts on the
 * page (`--vscode-*`) at render time, and re-read when the body's theme class changes.
 */

export type ThemeKind = 'dark' | 'light' | 'high-contrast' | 'high-contrast-light';

export interface Theme {
  kind: ThemeKind;
  fg: string;
  muted: string;
  bg: string;
  /** Card background (what charts are drawn on). */
  surface: string;
  grid: string;
  border: string;
  fontFamily: string;
  fontSize: number;
  red: string;
  blue: string;
  green: string;
  yellow: string;
  orange: string;
  purple: string;
  /** Series colours in order (layers, compared runs). */
  palette: string[];
  bands: { correct: string; lookCloser: string; suspicious: string; bug: string; vanishing: string; exploding: string };
  /** Line widths are thicker in high-contrast themes. */
  lineScale: number;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

let probe: CanvasRenderingContext2D | null = null;

/** Any CSS colour → [r, g, b, a] (0–255, a 0–1) using the canvas parser. */
export function parseColor(color: string): [number, number, number, number] {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return [128, 128, 128, 1];
  probe.fillStyle = '#000000';
  probe.fillStyle = color;
  const s = String(probe.fillStyle);
  if (s.startsWith('#')) {
    const n = parseInt(s.slice(1, 7), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 1];
  }
  const m = /rgba?\(([^)]+)\)/.exec(s);
  if (!m) return [128, 128, 128, 1];
  const p = m[1].split(',').map((x) => parseFloat(x));
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}

export function withAlpha(color: string, alpha: number): string {
  const [r, g, b, a] = parseColor(color);
  return `rgba(${r}, ${g}, ${b}, ${Math.max(0, Math.min(1, alpha * a)).toFixed(3)})`;
}

/** Mixes two colours (t = 0 → a, t = 1 → b), opaque. */
export function mix(a: string, b: string, t: number): [number, number, number] {
  const x = parseColor(a);
  const y = parseColor(b);
  return [0, 1, 2].map((i) => Math.round(x[i] + (y[i] - x[i]) * t)) as [number, number, number];
}

export function readTheme(): Theme {
  const body = document.body;
  const style = getComputedStyle(body);
  const cls = body.classList;
  const kind: ThemeKind = cls.contains('vscode-high-contrast-light') ? 'high-contrast-light'
    : cls.contains('vscode-high-contrast') ? 'high-contrast'
      : cls.contains('vscode-light') ? 'light' : 'dark';
  const light = kind === 'light' || kind === 'high-contrast-light';
  const fg = cssVar(style, '--vscode-foreground', light ? '#616161' : '#cccccc');
  const bg = cssVar(style, '--vscode-editor-background', light ? '#ffffff' : '#1e1e1e');
  const red = cssVar(style, '--vscode-charts-red', '#f14c4c');
  const blue = cssVar(style, '--vscode-charts-blue', '#3794ff');
  const green = cssVar(style, '--vscode-charts-green', '#89d185');
  const yellow = cssVar(style, '--vscode-charts-yellow', '#cca700');
  const orange = cssVar(style, '--vscode-charts-orange', '#d18616');
  const purple = cssVar(style, '--vscode-charts-purple', '#b180d7');
  const hc = kind.startsWith('high-contrast');
  const border = cssVar(style, '--vscode-contrastBorder', '') || cssVar(style, '--vscode-panel-border', withAlpha(fg, 0.25));
  return {
    kind,
    fg,
    muted: cssVar(style, '--vscode-descriptionForeground', withAlpha(fg, 0.7)),
    bg,
    surface: cssVar(style, '--gl-card-bg', bg),
    grid: hc ? withAlpha(fg, 0.35) : withAlpha(cssVar(style, '--vscode-panel-border', fg), light ? 0.9 : 0.6),
    border,
    fontFamily: cssVar(style, '--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: parseFloat(cssVar(style, '--vscode-font-size', '13')) || 13,
    red, blue, green, yellow, orange, purple,
    palette: [blue, orange, green, purple, red, yellow],
    bands: {
      correct: cssVar(style, '--gl-band-correct', green),
      lookCloser: cssVar(style, '--gl-band-look-closer', yellow),
      suspicious: cssVar(style, '--gl-band-suspicious', orange),
      bug: cssVar(style, '--gl-band-bug', red),
      vanishing: cssVar(style, '--gl-band-vanishing', purple),
      exploding: cssVar(style, '--gl-band-exploding', red),
    },
    lineScale: hc ? 1.5 : 1,
  };
}

/**
 * Calls `onChange` when VS Code switches theme: it rewrites the body's class (vscode-light, -dark,
 * -high-contrast) and the `--vscode-*` variables in the root element's style together.
 */
export function watchTheme(onChange: () => void): MutationObserver {
  let last = '';
  const obs = new MutationObserver(() => {
    const now = document.body.className + '|' + (document.documentElement.getAttribute('style') ?? '').length;
    if (now === last) return;
    last = now;
    onChange();
  });
  obs.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  obs.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  return obs;
}
