/**
 * The one HTML document every Gradient Lab webview loads (dashboard panel, sidebar view, compare
 * panel). Pure: the caller passes the webview's cspSource and the resource URIs as strings.
 * The webview bundle (dist/webview.js) reads `data-view` to know what to draw.
 */
import { randomBytes } from 'node:crypto';

export type WebviewKind = 'dashboard' | 'sidebar' | 'compare' | 'search' | 'diagnose';

export interface HtmlInput {
  cspSource: string;
  /** webview.asWebviewUri(media/dashboard.css) */
  styleUri: string;
  /** webview.asWebviewUri(dist/webview.js) */
  scriptUri: string;
  /** More stylesheets after the first (the search view adds dist/webview.css). */
  extraStyleUris?: string[];
  view: WebviewKind;
  title: string;
  nonce?: string;
}

/** 128 bits from the OS's cryptographic RNG, base64 without padding. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64').replace(/=+$/, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return `default-src 'none'; img-src ${cspSource} data: blob:; style-src ${cspSource}; font-src ${cspSource}; script-src 'nonce-${nonce}';`;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function renderWebviewHtml(input: HtmlInput): string {
  const nonce = input.nonce ?? makeNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(input.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(input.styleUri)}">
${(input.extraStyleUris ?? []).map((u) => `<link rel="stylesheet" href="${escapeAttr(u)}">\n`).join('')}<title>${escapeAttr(input.title)}</title>
</head>
<body data-view="${input.view}">
<div id="app"></div>
<script nonce="${nonce}" src="${escapeAttr(input.scriptUri)}"></script>
</body>
</html>
`;
}
