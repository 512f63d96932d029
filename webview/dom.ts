/** Tiny DOM helpers: no innerHTML, no inline style attributes (the CSP forbids them). */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  id?: string;
  cls?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string | number | boolean | undefined>;
}

function apply(node: Element, props: Props, children: Child[]): void {
  if (props.id) node.id = props.id;
  if (props.cls) node.setAttribute('class', props.cls);
  if (props.title) node.setAttribute('title', props.title);
  if (props.attrs) {
    for (const [k, v] of Object.entries(props.attrs)) {
      if (v === undefined || v === false) continue;
      node.setAttribute(k, v === true ? '' : String(v));
    }
  }
  if (props.text !== undefined) node.textContent = props.text;
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === 'number' ? String(c) : c);
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  apply(node, props, children);
  return node;
}

export type ButtonLook = 'primary' | 'secondary' | 'icon';

/**
 * A VS Code-looking button (styled from the --vscode-button-* variables in dashboard.css). Native
 * <button>s rather than webview-ui-toolkit elements: the toolkit's FAST runtime injects a <style>
 * element and a style="" attribute on load, which the strict CSP refuses.
 */
export function button(look: ButtonLook, props: Props = {}, ...children: Child[]): HTMLButtonElement {
  const b = h('button', { ...props, cls: `gl-btn ${look}${props.cls ? ` ${props.cls}` : ''}` }, ...children);
  b.type = 'button';
  return b;
}

export function clear(node: Element): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** Replaces the children of `node` only when `key` changed since the last call (cheap re-renders). */
export function renderIfChanged(node: HTMLElement, key: string, build: () => Child[]): boolean {
  if (node.dataset.renderKey === key) return false;
  node.dataset.renderKey = key;
  clear(node);
  for (const c of build()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === 'number' ? String(c) : c);
  }
  return true;
}

export function setText(node: Element | null, text: string): void {
  if (node && node.textContent !== text) node.textContent = text;
}

export function setEnabled(node: HTMLElement, enabled: boolean): void {
  if (enabled) node.removeAttribute('disabled');
  else node.setAttribute('disabled', '');
}

/**
 * Coalesces render requests: however many arrive, `render` runs once, on the next animation frame
 * or after 250 ms, whichever comes first (hidden webviews get no animation frames, and their state
 * and `rendered` reports must stay current all the same).
 */
export function renderScheduler(render: () => void): () => void {
  let scheduled = false;
  const run = (): void => {
    if (!scheduled) return;
    scheduled = false;
    render();
  };
  return () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(run);
    setTimeout(run, 250);
  };
}
