/**
 * The envelope every IPC message carries, engine and search protocols alike: an object with this
 * protocol's version `v` and a known `type`. Checked first by both ends before the per-type checks.
 */
export type EnvelopeCheck<T extends string> =
  | { ok: true; message: Record<string, unknown> & { type: T } }
  | { ok: false; reason: string };

export function checkEnvelope<T extends string>(msg: unknown, version: number, types: ReadonlySet<T>, kind: 'command' | 'event'): EnvelopeCheck<T> {
  if (typeof msg !== 'object' || msg === null) return { ok: false, reason: 'not an object' };
  const m = msg as Record<string, unknown>;
  if (m.v !== version) return { ok: false, reason: `protocol version ${String(m.v)} ≠ ${version}` };
  if (typeof m.type !== 'string' || !types.has(m.type as T)) return { ok: false, reason: `unknown ${kind} ${String(m.type)}` };
  return { ok: true, message: m as Record<string, unknown> & { type: T } };
}

/** The message without its version field: what the receiving side works with. */
export function withoutVersion(m: Record<string, unknown>): Record<string, unknown> {
  const { v: _v, ...rest } = m;
  void _v;
  return rest;
}
