/**
 * `encodeNonFinite` (src/shared/webview-protocol.ts) with structural sharing: the same wire format
 * ({ $nf: 'NaN' | 'Infinity' | '-Infinity' } for each non-finite number), but parts without
 * non-finite numbers are returned as they are instead of copied. A snapshot of a long run is
 * mostly finite numbers, so this saves a deep copy of the whole RunView on every (re)open.
 */
export function encodeNonFiniteShared(value: unknown): unknown {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    return { $nf: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' };
  }
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      // Fast path: finite numbers and strings stay.
      const e = typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'object' || typeof v === 'number' ? encodeNonFiniteShared(v) : v;
      if (out) out.push(e);
      else if (e !== v) {
        out = value.slice(0, i);
        out.push(e);
      }
    }
    return out ?? value;
  }
  if (typeof value === 'object' && value !== null) {
    let out: Record<string, unknown> | null = null;
    const entries = Object.entries(value);
    for (let i = 0; i < entries.length; i++) {
      const [k, v] = entries[i];
      const e = typeof v === 'object' || typeof v === 'number' ? encodeNonFiniteShared(v) : v;
      if (out) out[k] = e;
      else if (e !== v) {
        out = {};
        for (let j = 0; j < i; j++) out[entries[j][0]] = entries[j][1];
        out[k] = e;
      }
    }
    return out ?? value;
  }
  return value;
}
