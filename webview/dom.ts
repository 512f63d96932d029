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

/** Milliseconds since the epoch on the page's monotonic clock (comparable with an event's `timeOrigin + timeStamp`). */
export function pageNow(): number {
  return performance.timeOrigin + performance.now();
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
export function renderScheduler(render: () => void, share = 0.25): () => void {
  let scheduled = false;
  let nextAllowed = 0;
  const run = (): void => {
    if (!scheduled) return;
    scheduled = false;
    const t0 = performance.now();
    render();
    const took = performance.now() - t0;
    // Drawing may take at most `share` of the page's main thread, so that clicks, scrolling and the
    // host's messages are handled on a busy machine: a render of d ms waits d·(1/share − 1) before
    // the next (capped at 1 s). A fast render (a few ms) is not held back at all.
    nextAllowed = performance.now() + Math.min(took * (1 / share - 1), 1000);
  };
  const go = (): void => {
    requestAnimationFrame(run);
    // rAF does not fire in a hidden page; the timer draws anyway.
    setTimeout(run, 250);
  };
  return () => {
    if (scheduled) return;
    scheduled = true;
    const wait = nextAllowed - performance.now();
    if (wait > 0) setTimeout(go, wait);
    else go();
  };
}

/**
 * Runs a render's parts one per task, so that a click or a host message waits for one chart at
 * most, not for the whole dashboard (a busy 2-core machine draws a chart in tens of ms, a
 * dashboard in hundreds). A newer call replaces the parts not yet run: only the latest state is drawn.
 */
export function slicedRunner(): (parts: (() => void)[]) => void {
  let queue: (() => void)[] = [];
  let scheduled = false;
  const channel = new MessageChannel();
  const step = (): void => {
    scheduled = false;
    const part = queue.shift();
    if (!part) return;
    try {
      part();
    } finally {
      if (queue.length && !scheduled) {
        scheduled = true;
        channel.port2.postMessage(null);
      }
    }
  };
  channel.port1.onmessage = step;
  return (parts) => {
    queue = [...parts];
    if (!scheduled && queue.length) {
      scheduled = true;
      channel.port2.postMessage(null);
    }
  };
}
