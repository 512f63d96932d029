/**
 * Problems with an experiment file, each located by JSON pointer and (when the source text is
 * known) by line and column, so that the CLI can print them and the editor can underline them:
 * `examples/x.nn.json:12:7 /training/optimizer/learningRate: must be > 0`.
 */
import type { ConfigIssue } from '../../shared/config-check';

export type { ConfigIssue };

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
