/**
 * The editor's live check of an experiment file: the host sends the text to a checker process
 * (dist/check.js, the engine's own validator) and shows its issues as you type, in the engine's
 * words. Messages over Node IPC.
 */
export interface ConfigCheckRequest {
  id: string;
  text: string;
}

/**
 * A problem with an experiment file, located by JSON pointer and (when the source text is known)
 * by line and column: what the engine's validator reports, the CLI prints
 * (`examples/x.nn.json:12:7 /training/optimizer/learningRate: must be > 0`) and the editor underlines.
 */
export interface ConfigIssue {
  /** JSON pointer of the offending value, e.g. `/training/optimizer/learningRate`; `''` = the root. */
  path: string;
  /** Human-readable message without the location prefix, e.g. `must be > 0`. */
  message: string;
  /** 1-based line of the property's key (or of the value when it has no key). */
  line?: number;
  /** 1-based column (UTF-16 code units, as VS Code counts). */
  column?: number;
  /** End of the located token (the key, or the value when it has no key), exclusive, 1-based. */
  endLine?: number;
  endColumn?: number;
  /** syntax: the text is not JSON; schema: the schema rejects it; semantic: checks after the schema. */
  kind: 'syntax' | 'schema' | 'semantic';
}

export interface ConfigCheckReply {
  id: string;
  issues: ConfigIssue[];
  /** The checker itself failed on this text (a bug, not the user's mistake). */
  error?: string;
}

export function isConfigCheckRequest(v: unknown): v is ConfigCheckRequest {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.id === 'string' && typeof r.text === 'string';
}

export function isConfigCheckReply(v: unknown): v is ConfigCheckReply {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.id === 'string' && Array.isArray(r.issues);
}
