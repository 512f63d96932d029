/**
 * A problem with a data file, located as precisely as the format allows so that the CLI can print
 * it and the editor can underline it: `data/train.csv:17:3: 'abc' is not a number (column "x2")`.
 */
export class DataError extends Error {
  /** The path as the user wrote it (or as the caller chose to display it). */
  readonly file: string;
  /** 1-based line; absent for whole-file problems (missing, empty, binary formats). */
  readonly line?: number;
  /** 1-based column. For CSV this is the field number, not the character offset. */
  readonly column?: number;
  /** The message without the `file:line:column: ` prefix. */
  readonly detail: string;
  /** The experiment's field that named this data (a JSON pointer), and where it is in the experiment file once known. */
  field?: { path: string; file?: string; line?: number; column?: number };

  constructor(file: string, detail: string, line?: number, column?: number) {
    super(`${formatLocation(file, line, column)}: ${detail}`);
    this.name = 'DataError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.detail = detail;
  }
}

function formatLocation(file: string, line?: number, column?: number): string {
  if (line === undefined) return file;
  return column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
}
