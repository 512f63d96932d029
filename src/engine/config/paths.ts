/**
 * Dotted config paths as written in `search.space` keys: `training.optimizer.learningRate`,
 * `model.hidden[0].units`, `model.hidden[*].keepProb` (`[*]` = every element of the array).
 */
import schema from '../../../schema/nn.schema.json';

export type PathSegment = { key: string } | { index: number } | { all: true };

export class PathSyntaxError extends Error {
  constructor(path: string, detail: string) {
    super(`bad path ${JSON.stringify(path)}: ${detail}`);
    this.name = 'PathSyntaxError';
  }
}

const KEY = /[A-Za-z_$][\w$-]*/y;

/** Splits `a.b[0].c[*]` into segments; throws PathSyntaxError on anything else. */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  if (path.length === 0) throw new PathSyntaxError(path, 'empty path');
  while (i < path.length) {
    if (path[i] === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) throw new PathSyntaxError(path, `missing ']' after position ${i + 1}`);
      const inner = path.slice(i + 1, close).trim();
      if (inner === '*') segments.push({ all: true });
      else if (/^(0|[1-9][0-9]*)$/.test(inner)) segments.push({ index: Number(inner) });
      else throw new PathSyntaxError(path, `expected an index or * inside [], found ${JSON.stringify(inner)}`);
      i = close + 1;
    } else {
      if (segments.length > 0) {
        if (path[i] !== '.') throw new PathSyntaxError(path, `expected '.' or '[' at position ${i + 1}`);
        i++;
      }
      KEY.lastIndex = i;
      const m = KEY.exec(path);
      if (!m) throw new PathSyntaxError(path, `expected a field name at position ${i + 1}`);
      segments.push({ key: m[0] });
      i += m[0].length;
    }
  }
  return segments;
}

/** The canonical text of a parsed path. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if ('key' in s) out += (out ? '.' : '') + s.key;
    else if ('index' in s) out += `[${s.index}]`;
    else out += '[*]';
  }
  return out;
}

function segmentsOf(path: string | readonly PathSegment[]): readonly PathSegment[] {
  return typeof path === 'string' ? parsePath(path) : path;
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === 'object' && v !== null;
}

/**
 * The value at `path`, or undefined when it does not exist. With `[*]` the result is an array of
 * the values found under every element (nested `[*]` give nested arrays).
 */
export function getPath(obj: unknown, path: string | readonly PathSegment[]): unknown {
  const segments = segmentsOf(path);
  let cur: unknown = obj;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if ('all' in s) {
      if (!Array.isArray(cur)) return undefined;
      const rest = segments.slice(i + 1);
      return cur.map((el) => getPath(el, rest));
    }
    if (!isContainer(cur)) return undefined;
    if ('index' in s) {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[s.index];
    } else {
      if (Array.isArray(cur) || !Object.prototype.hasOwnProperty.call(cur, s.key)) return undefined;
      cur = cur[s.key];
    }
  }
  return cur;
}

/**
 * Sets the value at `path` (mutating `obj`) and returns how many places were set. Missing
 * objects and arrays on the way are created (an index may append, not leave holes); `[*]` sets the rest of the path under every
 * existing element (none when the array is empty or missing). Throws when the path runs into a
 * value that is not an object/array.
 */
export function setPath(obj: unknown, path: string | readonly PathSegment[], value: unknown): number {
  const segments = segmentsOf(path);
  if (segments.length === 0) throw new PathSyntaxError('', 'empty path');
  return setAt(obj, segments, 0, value, formatPath(segments));
}

function setAt(cur: unknown, segments: readonly PathSegment[], i: number, value: unknown, whole: string): number {
  const s = segments[i];
  const last = i === segments.length - 1;
  const where = formatPath(segments.slice(0, i)) || '(root)';
  if ('all' in s) {
    if (cur === undefined) return 0;
    if (!Array.isArray(cur)) throw new Error(`cannot set ${whole}: ${where} is not an array`);
    if (last) {
      for (let j = 0; j < cur.length; j++) cur[j] = structuredClone(value);
      return cur.length;
    }
    let n = 0;
    for (const el of cur) n += setAt(el, segments, i + 1, value, whole);
    return n;
  }
  let container: Record<string, unknown> | unknown[];
  let k: string | number;
  if ('index' in s) {
    if (!Array.isArray(cur)) throw new Error(`cannot set ${whole}: ${where} is not an array`);
    if (s.index > cur.length) {
      throw new Error(`cannot set ${whole}: ${where} has only ${cur.length} element${cur.length === 1 ? '' : 's'}`);
    }
    container = cur;
    k = s.index;
  } else {
    if (!isContainer(cur) || Array.isArray(cur)) throw new Error(`cannot set ${whole}: ${where} is not an object`);
    container = cur;
    k = s.key;
  }
  const record = container as Record<string | number, unknown>;
  if (last) {
    if (k === '__proto__') Object.defineProperty(record, k, { value, enumerable: true, writable: true, configurable: true });
    else record[k] = value;
    return 1;
  }
  let next = Object.prototype.hasOwnProperty.call(record, k) ? record[k] : undefined;
  if (next === undefined || next === null) {
    const nextSeg = segments[i + 1];
    if ('all' in nextSeg) return 0;
    next = 'index' in nextSeg ? [] : {};
    if (k === '__proto__') Object.defineProperty(record, k, { value: next, enumerable: true, writable: true, configurable: true });
    else record[k] = next;
  }
  return setAt(next, segments, i + 1, value, whole);
}

/** The concrete paths a path stands for in `obj` (`[*]` expanded over existing elements). */
export function expandPath(obj: unknown, path: string | readonly PathSegment[]): PathSegment[][] {
  const segments = segmentsOf(path);
  const out: PathSegment[][] = [];
  const walk = (cur: unknown, i: number, prefix: PathSegment[]): void => {
    if (i === segments.length) {
      out.push(prefix);
      return;
    }
    const s = segments[i];
    if ('all' in s) {
      if (!Array.isArray(cur)) return;
      cur.forEach((el, j) => walk(el, i + 1, [...prefix, { index: j }]));
      return;
    }
    const next = isContainer(cur) ? getPath(cur, [s]) : undefined;
    walk(next, i + 1, [...prefix, s]);
  };
  walk(obj, 0, []);
  return out;
}

/** JSON pointer of a path without `[*]` (e.g. `/model/hidden/0/units`). */
export function pathToPointer(path: string | readonly PathSegment[]): string {
  return segmentsOf(path)
    .map((s) => {
      if ('all' in s) throw new Error('a path with [*] has no single JSON pointer');
      const token = 'key' in s ? s.key : String(s.index);
      return '/' + token.replace(/~/g, '~0').replace(/\//g, '~1');
    })
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Paths against the schema

type SchemaNode = { [k: string]: unknown } | boolean;
const root = schema as unknown as { [k: string]: unknown };

function resolveRef(node: SchemaNode): SchemaNode {
  let cur = node;
  for (let guard = 0; typeof cur === 'object' && typeof cur.$ref === 'string' && guard < 32; guard++) {
    const ref = cur.$ref;
    if (!ref.startsWith('#/')) return cur;
    let target: unknown = root;
    for (const token of ref.slice(2).split('/')) {
      target = (target as Record<string, unknown> | undefined)?.[token.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    if (target === undefined) return cur;
    cur = target as SchemaNode;
  }
  return cur;
}

/** The node and every schema that applies to the same value (allOf, then/else, oneOf/anyOf). */
function alternatives(node: SchemaNode): { [k: string]: unknown }[] {
  const out: { [k: string]: unknown }[] = [];
  const visit = (n: SchemaNode | undefined): void => {
    if (n === undefined || typeof n === 'boolean') return;
    const r = resolveRef(n);
    if (typeof r === 'boolean' || out.includes(r)) return;
    out.push(r);
    for (const k of ['allOf', 'oneOf', 'anyOf'] as const) {
      const list = r[k];
      if (Array.isArray(list)) for (const sub of list) visit(sub as SchemaNode);
    }
    visit(r.then as SchemaNode | undefined);
    visit(r.else as SchemaNode | undefined);
  };
  visit(node);
  return out;
}

/**
 * The schemas describing the value at `path` (several when it is declared in more than one place,
 * e.g. an optimizer field in the base schema and in a per-type branch); empty when the schema has
 * no such field.
 */
export function schemaAt(path: string | readonly PathSegment[]): { [k: string]: unknown }[] {
  let current: { [k: string]: unknown }[] = [root];
  for (const s of segmentsOf(path)) {
    const next: SchemaNode[] = [];
    for (const node of current.flatMap(alternatives)) {
      if ('key' in s) {
        const props = node.properties as Record<string, SchemaNode> | undefined;
        if (props && Object.prototype.hasOwnProperty.call(props, s.key)) {
          if (props[s.key] !== false) next.push(props[s.key]);
        } else if (typeof node.additionalProperties === 'object' && node.additionalProperties !== null) {
          next.push(node.additionalProperties as SchemaNode);
        }
      } else if (typeof node.items === 'object' && node.items !== null && !Array.isArray(node.items)) {
        next.push(node.items as SchemaNode);
      }
    }
    current = next.flatMap((n) => (typeof n === 'object' ? [n] : n ? [{}] : []));
    if (current.length === 0) return [];
  }
  return current;
}

/** Whether the schema declares `path` (e.g. `model.hidden[*].keepProb`). False for bad syntax. */
export function schemaHasPath(path: string): boolean {
  try {
    return schemaAt(path).length > 0;
  } catch (e) {
    if (e instanceof PathSyntaxError) return false;
    throw e;
  }
}

/**
 * Every leaf path the schema declares, with `[*]` for array elements (e.g.
 * `model.hidden[*].units`), in schema order. The `search` block and `$schema` are left out.
 * Useful for suggestions and for completing `search.space` keys.
 */
export function allSchemaPaths(): string[] {
  const out: string[] = [];
  const walk = (nodes: { [k: string]: unknown }[], prefix: string, depth: number): void => {
    if (depth > 8) return;
    const all = nodes.flatMap(alternatives);
    const keys: string[] = [];
    let hasItems = false;
    for (const n of all) {
      const props = n.properties as Record<string, unknown> | undefined;
      if (props) for (const k of Object.keys(props)) if (!keys.includes(k)) keys.push(k);
      if (typeof n.items === 'object' && n.items !== null && !Array.isArray(n.items)) hasItems = true;
    }
    if (keys.length === 0 && !hasItems) {
      if (prefix) out.push(prefix);
      return;
    }
    for (const k of keys) {
      if (prefix === '' && (k === 'search' || k === '$schema')) continue;
      const path = prefix ? `${prefix}.${k}` : k;
      walk(schemaAt(path), path, depth + 1);
    }
    if (hasItems) walk(schemaAt(`${prefix}[*]`), `${prefix}[*]`, depth + 1);
  };
  walk([root], '', 0);
  return out;
}
