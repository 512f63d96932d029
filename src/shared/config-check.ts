/**
 * The editor's live check of an experiment file: the host sends the text to a checker process
 * (dist/check.js, the engine's own validator) and shows its issues as you type, in the engine's
 * words. Messages over Node IPC.
 */
export interface ConfigCheckRequest {
  id: number;
  text: string;
}

export interface ConfigCheckIssue {
  /** JSON pointer of the offending value ('' = the root). */
  path: string;
  message: string;
  /** 1-based, UTF-16 columns; the end is exclusive. */
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  kind: 'syntax' | 'schema' | 'semantic';
}

export interface ConfigCheckReply {
  id: number;
  issues: ConfigCheckIssue[];
  /** The checker itself failed on this text (a bug, not the user's mistake). */
  error?: string;
}

export function isConfigCheckRequest(v: unknown): v is ConfigCheckRequest {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.id === 'number' && typeof r.text === 'string';
}

export function isConfigCheckReply(v: unknown): v is ConfigCheckReply {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.id === 'number' && Array.isArray(r.issues);
}
