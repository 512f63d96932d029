/**
 * Problems with an experiment file, each located by JSON pointer and (when the source text is
 * known) by line and column, so that the CLI can print them and the editor can underline them:
 * `examples/x.nn.json:12:7 /training/optimizer/learningRate: must be > 0`.
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

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  /** The file as the caller named it (for messages); absent for in-memory configs. */
  readonly file?: string;

  constructor(issues: ConfigIssue[], file?: string) {
    super(issues.map((issue) => formatIssue(issue, file)).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
    this.file = file;
  }
}

/** `file:line:column /path: message`; parts that are unknown are left out. */
export function formatIssue(issue: ConfigIssue, file?: string): string {
  let location = file ?? '';
  if (issue.line !== undefined) {
    location += `${location ? ':' : 'line '}${issue.line}`;
    if (issue.column !== undefined) location += `:${issue.column}`;
  }
  const where = issue.kind === 'syntax' ? 'JSON syntax error' : issue.path === '' ? '/' : issue.path;
  return `${location ? location + ' ' : ''}${where}: ${issue.message}`;
}
