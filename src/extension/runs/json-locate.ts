/**
 * Finds where a JSON path points in a JSON (or JSON-with-comments) text, so that an engine error
 * like `training.optimizer.learningRate` becomes a diagnostic on the right line. Pure, tolerant:
 * returns the deepest location it could reach.
 */
export interface JsonLocation {
  /** 0-based line and column of the value (or the key, when `key` is set). */
  line: number;
  column: number;
  /** Length of the located token. */
  length: number;
  /** True when the whole path was found. */
  exact: boolean;
}

/** "a.b[2].c", "/a/b/2/c", "$.a.b[2]" or ['a','b',2] → segments. */
export function parsePath(p: string | (string | number)[]): (string | number)[] {
  if (Array.isArray(p)) return p;
  let s = p.trim();
  if (s.startsWith('/')) {
    return s.split('/').slice(1).map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~')).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  }
  if (s.startsWith('$')) s = s.slice(1);
  const out: (string | number)[] = [];
  const re = /\[(\d+)\]|\["([^"]*)"\]|\.?([^.[\]]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(m[2]);
    else if (m[3] !== undefined) out.push(/^\d+$/.test(m[3]) ? Number(m[3]) : m[3]);
  }
  return out;
}

interface Node {
  start: number;
  end: number;
  keyStart?: number;
  keyEnd?: number;
  children?: Map<string | number, Node>;
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  skip(): void {
    const t = this.text;
    for (;;) {
      while (this.pos < t.length && /\s/.test(t[this.pos])) this.pos++;
      if (t.startsWith('//', this.pos)) {
        const nl = t.indexOf('\n', this.pos);
        this.pos = nl < 0 ? t.length : nl + 1;
      } else if (t.startsWith('/*', this.pos)) {
        const end = t.indexOf('*/', this.pos + 2);
        this.pos = end < 0 ? t.length : end + 2;
      } else {
        return;
      }
    }
  }

  string(): string {
    const t = this.text;
    let out = '';
    this.pos++; // opening quote
    while (this.pos < t.length && t[this.pos] !== '"') {
      if (t[this.pos] === '\\') {
        out += t[this.pos + 1] ?? '';
        this.pos += 2;
      } else {
        out += t[this.pos++];
      }
    }
    this.pos++;
    return out;
  }

  value(): Node {
    this.skip();
    const t = this.text;
    const start = this.pos;
    const c = t[this.pos];
    if (c === '{') {
      this.pos++;
      const children = new Map<string | number, Node>();
      for (;;) {
        this.skip();
        if (t[this.pos] === '}') { this.pos++; break; }
        if (t[this.pos] === ',') { this.pos++; continue; }
        if (t[this.pos] !== '"' || this.pos >= t.length) break;
        const keyStart = this.pos;
        const key = this.string();
        const keyEnd = this.pos;
        this.skip();
        if (t[this.pos] === ':') this.pos++;
        const child = this.value();
        child.keyStart = keyStart;
        child.keyEnd = keyEnd;
        children.set(key, child);
      }
      return { start, end: this.pos, children };
    }
    if (c === '[') {
      this.pos++;
      const children = new Map<string | number, Node>();
      let i = 0;
      for (;;) {
        this.skip();
        if (t[this.pos] === ']') { this.pos++; break; }
        if (t[this.pos] === ',') { this.pos++; continue; }
        if (this.pos >= t.length) break;
        const before = this.pos;
        children.set(i++, this.value());
        if (this.pos === before) break;
      }
      return { start, end: this.pos, children };
    }
    if (c === '"') {
      this.string();
      return { start, end: this.pos };
    }
    while (this.pos < t.length && !/[\s,\]}]/.test(t[this.pos])) this.pos++;
    return { start, end: this.pos };
  }
}

function position(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart };
}

/** Locates `path` in `text`; a missing property points at its parent object's key. */
export function locateJsonPath(text: string, p: string | (string | number)[]): JsonLocation | undefined {
  let root: Node;
  try {
    root = new Parser(text).value();
  } catch {
    return undefined;
  }
  const segments = parsePath(p);
  let node = root;
  let exact = true;
  for (const seg of segments) {
    const next = node.children?.get(seg) ?? (typeof seg === 'number' ? node.children?.get(String(seg)) : undefined);
    if (!next) {
      exact = false;
      break;
    }
    node = next;
  }
  // Point at the key when there is one (that is where people look), else at the value.
  const start = node.keyStart ?? node.start;
  const end = node.keyStart !== undefined ? node.keyEnd ?? node.end : Math.min(node.end, text.indexOf('\n', node.start) < 0 ? node.end : text.indexOf('\n', node.start));
  const pos = position(text, start);
  return { ...pos, length: Math.max(1, end - start), exact };
}
