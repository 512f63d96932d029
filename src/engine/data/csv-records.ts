import { DataError } from './errors';

/** One CSV record: its fields (unquoted fields trimmed) and the 1-based line each field starts on. */
export interface CsvRecord {
  fields: string[];
  lines: number[];
}

const QUOTE = 0x22;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * RFC 4180 records: quoted fields may hold the delimiter, newlines and doubled quotes ("a ""b"""),
 * a quote inside an unquoted field is kept literally (as Python's csv does), CRLF and lone CR
 * count as newlines, a leading BOM is dropped, blank lines are skipped. A generator, so a large
 * file becomes numbers record by record instead of being held as millions of strings. One pass
 * over the text, by char codes (string indexing would allocate a string per character).
 */
export function* csvRecords(source: string, delimiter: string, file: string): Generator<CsvRecord> {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new DataError(file, `delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
  }
  const delim = delimiter.charCodeAt(0);
  const text = (source.charCodeAt(0) === 0xfeff ? source.slice(1) : source).replace(/\r\n?/g, '\n');
  const n = text.length;
  const isBlank = (code: number): boolean => (code === SPACE || code === TAB) && code !== delim;
  let i = 0;
  let line = 1;
  while (i < n) {
    const fields: string[] = [];
    const lines: number[] = [];
    let anyQuoted = false;
    for (;;) {
      const fieldLine = line;
      let j = i;
      while (j < n && isBlank(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) === QUOTE) {
        anyQuoted = true;
        const parts: string[] = [];
        let k = j + 1;
        for (;;) {
          const close = text.indexOf('"', k);
          if (close < 0) throw new DataError(file, 'unterminated quoted field (no closing ")', fieldLine, fields.length + 1);
          parts.push(text.slice(k, close));
          if (text.charCodeAt(close + 1) === QUOTE) {
            parts.push('"');
            k = close + 2;
          } else {
            k = close + 1;
            break;
          }
        }
        const value = parts.join('');
        for (let c = value.indexOf('\n'); c >= 0; c = value.indexOf('\n', c + 1)) line++;
        while (k < n && isBlank(text.charCodeAt(k))) k++;
        const next = text.charCodeAt(k);
        if (k < n && next !== delim && next !== NEWLINE) {
          // Located where the quoted field starts: a stray quote there usually swallowed the text up to the next one.
          const closes = line === fieldLine ? '' : ` (the quote opened here closes on line ${line})`;
          throw new DataError(file, `unexpected ${JSON.stringify(text[k])} after a closing quote${closes}`, fieldLine, fields.length + 1);
        }
        fields.push(value);
        i = k;
      } else {
        let k = i;
        for (let code = text.charCodeAt(k); k < n && code !== delim && code !== NEWLINE; code = text.charCodeAt(++k));
        // Trim by index: slicing once is cheaper than slice + trim on every field.
        let start = i;
        let end = k;
        while (start < end && text.charCodeAt(start) <= SPACE) start++;
        while (end > start && text.charCodeAt(end - 1) <= SPACE) end--;
        fields.push(text.slice(start, end));
        i = k;
      }
      lines.push(fieldLine);
      if (i < n && text.charCodeAt(i) === delim) {
        i++;
        continue;
      }
      i++; // the newline (or one past the end)
      line++;
      break;
    }
    if (fields.length === 1 && fields[0] === '' && !anyQuoted) continue;
    yield { fields, lines };
  }
}
