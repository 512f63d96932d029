/**
 * NaN and ±Infinity in JSON, the one way Gradient Lab writes them: JSON has no such numbers (and
 * turns them into `null`), but the product shows non-finite values rather than losing them. Each
 * non-finite number travels as `{ "$nf": "NaN" | "Infinity" | "-Infinity" }` — in run-folder
 * files, search.json, the socket protocol (PyTorch module, reattached engines) and webview
 * messages alike. A token is an object, so a string field that happens to read "NaN" (a run
 * named "NaN", a class label "Infinity") is never mistaken for a number.
 *
 * Float64Array values are kept as they are by `encodeNonFinite` (structured clone and VS Code's
 * webview messages carry typed arrays, NaN included) and become plain arrays of numbers and
 * tokens in `toJson` text.
 */
export interface NonFiniteToken { $nf: 'NaN' | 'Infinity' | '-Infinity' }

export function nonFiniteToken(x: number): NonFiniteToken {
  return { $nf: Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity' };
}

/** The number a token stands for, or undefined when `v` is not a token. */
export function tokenValue(v: unknown): number | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1 || keys[0] !== '$nf') return undefined;
  switch ((v as NonFiniteToken).$nf) {
    case 'NaN': return Number.NaN;
    case 'Infinity': return Number.POSITIVE_INFINITY;
    case '-Infinity': return Number.NEGATIVE_INFINITY;
    default: return undefined;
  }
}

/** What `rewrite`'s `replace` returns to leave a value as it is (and look inside it). */
const KEEP: unique symbol = Symbol('keep');

/**
 * A copy of `value` with some parts replaced, sharing every part that has nothing to replace (a
 * long run's snapshot is mostly finite numbers: no deep copy). Typed arrays pass through, finite
 * numbers are never replaced (the fast path for number arrays), `replace` sees everything else.
 */
function rewrite(value: unknown, replace: (v: unknown) => unknown): unknown {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const r = replace(value);
  if (r !== KEEP) return r;
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const e = rewrite(v, replace);
      if (out) out.push(e);
      else if (e !== v) {
        out = value.slice(0, i);
        out.push(e);
      }
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | null = null;
  const entries = Object.entries(value);
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i];
    const e = rewrite(v, replace);
    if (out) out[k] = e;
    else if (e !== v) {
      out = {};
      for (let j = 0; j < i; j++) out[entries[j][0]] = entries[j][1];
      out[k] = e;
    }
  }
  return out ?? value;
}

/** Replaces non-finite numbers by tokens (sharing what has none; typed arrays pass through). */
export function encodeNonFinite(value: unknown): unknown {
  return rewrite(value, (v) => (typeof v === 'number' ? nonFiniteToken(v) : KEEP));
}

/** The inverse of `encodeNonFinite` (also sharing what has no token). */
export function decodeNonFinite(value: unknown): unknown {
  return rewrite(value, (v) => tokenValue(v) ?? KEEP);
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return nonFiniteToken(value);
  if (value instanceof Float64Array || value instanceof Float32Array) {
    return Array.from(value, (x) => (Number.isFinite(x) ? x : nonFiniteToken(x)));
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  return typeof value === 'object' ? tokenValue(value) ?? value : value;
}

/** JSON text with non-finite numbers as tokens and typed arrays as arrays. */
export function toJson(value: unknown, space?: number): string {
  // A replacer function takes V8 off its fast serialiser (~5× slower on an epoch line): only use it when needed.
  return JSON.stringify(value, plainJson(value, 0) ? undefined : replacer, space);
}

/** True when `value` holds no non-finite number, typed array or toJSON method (the replacer would change nothing). */
function plainJson(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return true;
  if (depth > 32 || ArrayBuffer.isView(value) || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!plainJson(value[i], depth + 1)) return false;
    return true;
  }
  for (const k in value) {
    if (Object.prototype.hasOwnProperty.call(value, k) && !plainJson((value as Record<string, unknown>)[k], depth + 1)) return false;
  }
  return true;
}

/** Parses JSON text written by `toJson` (tokens become numbers again). Throws on bad JSON. */
export function fromJson(text: string): unknown {
  return JSON.parse(text, reviver) as unknown;
}

/**
 * A number field of a file written before tokens (run folders and search.json of version 1
 * stored non-finite numbers as the strings "NaN", "Infinity", "-Infinity", or null). Only for
 * fields known to be numbers.
 */
export function legacyNumber(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x === 'Infinity' || x === '+Infinity') return Number.POSITIVE_INFINITY;
  if (x === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}
