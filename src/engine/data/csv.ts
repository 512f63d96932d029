import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Dataset } from './dataset';
import { csvRecords, type CsvRecord } from './csv-records';
import { DataError } from './errors';
import { Float64Builder, isNonFiniteLiteral, parseDecimal } from './numbers';
import { classificationTask } from './task';

export interface CsvOptions {
  /** Label column: a header name, or an index (negative counts from the end). Default: last column. */
  label?: string | number;
  /** Default 'auto' (see detectHeader); a label given by name implies a header. */
  header?: boolean | 'auto';
  /** Default 'auto' (see inferTask). */
  task?: 'classification' | 'regression' | 'auto';
  /** Default ',' ('\t' for *.tsv files). */
  delimiter?: string;
  /** The path to show in errors and as the data set's name (e.g. relative to the experiment file). */
  displayPath?: string;
}

/** Integer labels with more distinct values than this are taken as a regression target. */
export const MAX_AUTO_CLASSES = 50;

/** Reads a CSV of numeric features and one label column. Every problem is a located DataError. */
export function loadCsv(path: string, options: CsvOptions = {}): Dataset<Float64Array> {
  const shown = options.displayPath ?? path;
  let text: string;
  try {
    const bytes = readFileSync(path);
    // Gzipped CSV (train.csv.gz), detected by the magic bytes as IDX files are, not by the name.
    text = (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipCsv(bytes, shown) : bytes).toString('utf8');
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a CSV file' : `cannot read (${code ?? String(e)})`;
    throw new DataError(shown, `${why} (looked at ${resolve(path)})`);
  }
  const delimiter = options.delimiter ?? (path.toLowerCase().endsWith('.tsv') ? '\t' : ',');
  return parseCsv(text, shown, { ...options, delimiter });
}

function gunzipCsv(bytes: Buffer, shown: string): Buffer {
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new DataError(shown, `damaged gzip data: ${(e as Error).message}`);
  }
}

/** The text form of loadCsv; `file` only names the source in errors and in the result. */
export function parseCsv(text: string, file: string, options: CsvOptions = {}): Dataset<Float64Array> {
  const records = csvRecords(text, options.delimiter ?? ',', file);
  const first = records.next();
  if (first.done) throw new DataError(file, 'the file is empty (no rows)');
  const second = records.next();
  const label = options.label;
  const hasHeader =
    options.header === 'auto' || options.header === undefined
      ? typeof label === 'string' || detectHeader(first.value, second.done ? undefined : second.value)
      : options.header;
  const header = hasHeader ? first.value : undefined;
  const width = first.value.fields.length;
  const firstLine = first.value.lines[0];
  if (width < 2) throw new DataError(file, `rows need at least two columns (features and a label), found ${width}`, firstLine);
  const labelColumn = resolveLabelColumn(label, header, width, file, firstLine);
  const columnName = (j: number): string =>
    header && header.fields[j] !== '' ? `column "${header.fields[j]}"` : `column ${j + 1}`;

  const x = new Float64Builder();
  const labels = new LabelCollector(options.task ?? 'auto', file, columnName(labelColumn));
  const readRow = (record: CsvRecord): void => {
    const { fields, lines } = record;
    if (fields.length !== width) {
      // Located at the first field that is missing (just past the last one) or extra.
      const short = fields.length < width;
      const column = short ? fields.length + 1 : width + 1;
      const line = short ? lines[lines.length - 1] : lines[width];
      const what = short ? `field ${column} is missing` : `field ${column} is one too many`;
      throw new DataError(file, `row has ${fields.length} fields, expected ${width} as on line ${firstLine} (${what})`, line, column);
    }
    for (let j = 0; j < width; j++) {
      if (j === labelColumn) labels.add(fields[j], lines[j], j + 1);
      else x.push(parseFeature(fields[j], file, lines[j], j + 1, columnName));
    }
  };
  if (!header) readRow(first.value);
  if (!second.done) readRow(second.value);
  for (const record of records) readRow(record);
  if (labels.count === 0) throw new DataError(file, 'the file has a header but no data rows', firstLine);

  const features = width - 1;
  const target = labels.finish();
  return {
    name: file,
    task: target.task,
    count: labels.count,
    features,
    x: x.toArray(),
    y: target.y,
    targets: 1,
    classes: target.classes,
    ...(header ? { featureNames: header.fields.map((f, j) => f || `column ${j + 1}`).filter((_, j) => j !== labelColumn) } : {}),
  };
}

/**
 * The first row is a header when one of its fields is a non-empty non-number where the second row
 * has a number (names above data), or, in a one-row file, when none of its fields is a number.
 * A first row that is text only where the second is text too (string class labels) is data.
 */
export function detectHeader(first: CsvRecord, second: CsvRecord | undefined): boolean {
  const numeric = (s: string): boolean => parseDecimal(s) !== undefined || isNonFiniteLiteral(s);
  if (!second) return first.fields.every((f) => !numeric(f));
  return first.fields.some((f, j) => f !== '' && !numeric(f) && j < second.fields.length && numeric(second.fields[j]));
}

function resolveLabelColumn(
  label: string | number | undefined,
  header: CsvRecord | undefined,
  width: number,
  file: string,
  line: number,
): number {
  if (label === undefined) return width - 1;
  if (typeof label === 'string') {
    if (!header) throw new DataError(file, `label "${label}" names a column, but the file has no header row`, line);
    const j = header.fields.indexOf(label);
    if (j < 0) {
      const names = header.fields.map((f) => `"${f}"`).join(', ');
      throw new DataError(file, `no column named "${label}" in the header (columns: ${names})`, line);
    }
    return j;
  }
  if (!Number.isInteger(label) || label >= width || label < -width) {
    const valid = `0..${width - 1} or -${width}..-1`;
    throw new DataError(file, `label column index ${label} is out of range for rows of ${width} columns (use ${valid})`, line);
  }
  return label < 0 ? width + label : label;
}

/** `columnName` is only called on failure: building it per field would dominate the parse time. */
function parseFeature(text: string, file: string, line: number, column: number, columnName: (j: number) => string): number {
  const v = parseDecimal(text);
  if (v !== undefined && Number.isFinite(v)) return v;
  const name = columnName(column - 1);
  if (text === '') throw new DataError(file, `missing value (${name})`, line, column);
  if (v !== undefined || isNonFiniteLiteral(text)) {
    throw new DataError(file, `'${text}' is not a finite number: NaN/Inf are not allowed in features (${name})`, line, column);
  }
  throw new DataError(file, `'${text}' is not a number (${name})`, line, column);
}

interface Target {
  task: Dataset['task'];
  y: Float64Array;
  classes: string[];
}

/**
 * Keeps label strings only while they might be class names; numbers are kept as numbers. Decides
 * the task at the end (inferTask) because that needs every label.
 */
class LabelCollector {
  count = 0;
  private readonly raw: string[] = [];
  private readonly values = new Float64Builder();
  private allNumeric = true;
  private allInteger = true;
  /** Where the first non-numeric label was, to locate a mixed-label error. */
  private firstText?: { text: string; line: number; column: number };

  constructor(
    private readonly task: 'classification' | 'regression' | 'auto',
    private readonly file: string,
    private readonly name: string,
  ) {}

  add(text: string, line: number, column: number): void {
    if (text === '') throw new DataError(this.file, `missing label (${this.name})`, line, column);
    const v = parseDecimal(text);
    if ((v !== undefined && !Number.isFinite(v)) || isNonFiniteLiteral(text)) {
      throw new DataError(this.file, `'${text}' is not allowed as a label: NaN/Inf (${this.name})`, line, column);
    }
    if (v === undefined) {
      if (this.task === 'regression') {
        throw new DataError(this.file, `'${text}' is not a number, and a regression target must be (${this.name})`, line, column);
      }
      this.allNumeric = false;
      this.firstText ??= { text, line, column };
    } else {
      if (!Number.isInteger(v)) this.allInteger = false;
      this.values.push(v);
    }
    if (this.task !== 'regression') this.raw.push(text);
    this.count++;
  }

  finish(): Target {
    const values = this.values.toArray();
    if (this.inferTask(values) === 'regression') return { task: 'regression', y: values, classes: [] };
    return this.allNumeric ? numericClasses(values) : textClasses(this.raw);
  }

  /**
   * 'auto' — a non-numeric label → classification (but text mixed with non-integer numbers is an
   * error: probably a broken regression column); non-integer numbers → regression; integers →
   * classification when there are at most MAX_AUTO_CLASSES distinct values and, beyond two, at most
   * one per two rows (each class seen twice on average), else regression.
   */
  private inferTask(values: Float64Array): 'classification' | 'regression' {
    if (this.task !== 'auto') return this.task;
    if (!this.allNumeric) {
      const at = this.firstText;
      if (!this.allInteger && at) {
        const detail = `label '${at.text}' is not a number, but other labels are real numbers (${this.name}); set "task" to say which is meant`;
        throw new DataError(this.file, detail, at.line, at.column);
      }
      return 'classification';
    }
    if (!this.allInteger) return 'regression';
    const distinct = new Set(values).size;
    return distinct <= MAX_AUTO_CLASSES && (distinct <= 2 || distinct <= this.count / 2) ? 'classification' : 'regression';
  }
}

/** Numeric labels: classes in numeric order, named by their canonical form ('01' and '1.0' → '1'). */
function numericClasses(values: Float64Array): Target {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const index = new Map(sorted.map((v, i) => [v, i]));
  const y = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) y[i] = index.get(values[i]) ?? 0;
  return { task: classificationTask(sorted.length), y, classes: sorted.map(String) };
}

/** Text labels: classes in code-unit order (locale-independent, so every machine agrees). */
function textClasses(raw: string[]): Target {
  const sorted = [...new Set(raw)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(sorted.map((v, i) => [v, i]));
  const y = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) y[i] = index.get(raw[i]) ?? 0;
  return { task: classificationTask(sorted.length), y, classes: sorted };
}
