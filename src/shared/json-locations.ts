/**
 * A small JSON parser that remembers where every key and value is in the text, so that errors
 * found on the parsed value (by JSON pointer) can be shown at a line and column, and so that
 * syntax errors say where they are (JSON.parse only gives an offset in some Node versions).
 *
 * Lines and columns are 1-based; columns count UTF-16 code units, as VS Code does. A leading
 * byte-order mark is skipped and not counted. `\n`, `\r\n` and a lone `\r` end a line.
 */

export interface JsonPosition {
  /** 0-based offset into the text (UTF-16 code units). */
  offset: number;
  line: number;
  column: number;
}

export interface JsonRange {
  start: JsonPosition;
  /** Exclusive end. */
  end: JsonPosition;
}

export interface JsonNodeInfo {
  /** The property's key token (with its quotes) when the value is an object member. */
  key?: JsonRange;
  value: JsonRange;
}

export interface ParsedJson {
  value: unknown;
  /** Every value in the document by JSON pointer (`''` is the root). */
  nodes: Map<string, JsonNodeInfo>;
  /** Keys that appear more than once in the same object (the last one wins, as in JSON.parse). */
  duplicateKeys: { pointer: string; key: JsonRange }[];
}

export interface JsonParseOptions {
  /** Accept `//` and `/* *\/` comments (JSONC). Default true. */
  allowComments?: boolean;
  /** Accept a comma before `}` or `]`. Default false. */
  allowTrailingCommas?: boolean;
}

export class JsonSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  /** The message without the position. */
  readonly detail: string;

  constructor(detail: string, position: JsonPosition) {
    super(`${detail} (line ${position.line}, column ${position.column})`);
    this.name = 'JsonSyntaxError';
    this.detail = detail;
    this.line = position.line;
    this.column = position.column;
    this.offset = position.offset;
  }
}

/** A location found by pointer: where to show a problem. */
export interface JsonLocation {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** False when the pointer does not exist and this is its nearest existing ancestor. */
  exact: boolean;
}

const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Parses JSON (optionally with comments), recording the position of every key and value. */
export function parseJson(text: string, options: JsonParseOptions = {}): ParsedJson {
  return new Parser(text, options).parseDocument();
}

/**
 * Where the value at `pointer` is in `text`: the position of its key when it is an object member,
 * otherwise of the value. When the pointer does not exist, its nearest existing ancestor
 * (`exact: false`). Undefined when the text is not valid JSON.
 */
export function locate(text: string, pointer: string, options: JsonParseOptions = {}): JsonLocation | undefined {
  let parsed: ParsedJson;
  try {
    parsed = parseJson(text, options);
  } catch {
    return undefined;
  }
  return locateIn(parsed, pointer);
}

/** Like `locate`, on an already parsed document. */
export function locateIn(parsed: ParsedJson, pointer: string): JsonLocation | undefined {
  let tokens = pointerTokens(pointer);
  let exact = true;
  for (;;) {
    const node = parsed.nodes.get(pointerFromTokens(tokens));
    if (node) {
      const range = node.key ?? node.value;
      return {
        line: range.start.line,
        column: range.start.column,
        endLine: range.end.line,
        endColumn: range.end.column,
        exact,
      };
    }
    if (tokens.length === 0) return undefined;
    tokens = tokens.slice(0, -1);
    exact = false;
  }
}

/** `~` → `~0`, `/` → `~1` (RFC 6901). */
export function escapePointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointerFromTokens(tokens: readonly (string | number)[]): string {
  return tokens.map((t) => '/' + escapePointerToken(t)).join('');
}

/** The unescaped reference tokens of a JSON pointer (`''` → `[]`). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`not a JSON pointer: ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

class Parser {
  private pos: number;
  private readonly lineStarts: number[];
  private readonly nodes = new Map<string, JsonNodeInfo>();
  private readonly duplicateKeys: { pointer: string; key: JsonRange }[] = [];
  private readonly allowComments: boolean;
  private readonly allowTrailingCommas: boolean;

  constructor(
    private readonly text: string,
    options: JsonParseOptions,
  ) {
    this.allowComments = options.allowComments ?? true;
    this.allowTrailingCommas = options.allowTrailingCommas ?? false;
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.lineStarts = [this.pos];
    for (let i = this.pos; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.lineStarts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.lineStarts.push(i + 1);
      }
    }
  }

  parseDocument(): ParsedJson {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('the document is empty; expected a JSON value');
    const value = this.parseValue('', 0);
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      this.fail(`unexpected ${this.describeHere()} after the end of the JSON value`);
    }
    return { value, nodes: this.nodes, duplicateKeys: this.duplicateKeys };
  }

  private position(offset: number): JsonPosition {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, line: lo + 1, column: offset - this.lineStarts[lo] + 1 };
  }

  private range(start: number, end: number): JsonRange {
    return { start: this.position(start), end: this.position(end) };
  }

  private fail(detail: string, offset = this.pos): never {
    throw new JsonSyntaxError(detail, this.position(Math.min(offset, this.text.length)));
  }

  private describeHere(): string {
    if (this.pos >= this.text.length) return 'end of file';
    const word = /[A-Za-z_$][\w$]*/y;
    word.lastIndex = this.pos;
    const m = word.exec(this.text);
    if (m) return `word '${m[0]}'`;
    if (this.text[this.pos] === '"') {
      const str = /"[^"\\\r\n]{0,40}"?/y;
      str.lastIndex = this.pos;
      return `the string ${str.exec(this.text)?.[0] ?? '"'}`;
    }
    return `character ${JSON.stringify(this.text[this.pos])}`;
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) {
        this.pos++;
      } else if (c === 47 /* / */ && (t[this.pos + 1] === '/' || t[this.pos + 1] === '*')) {
        if (!this.allowComments) this.fail('comments are not allowed in JSON');
        if (t[this.pos + 1] === '/') {
          while (this.pos < t.length && t[this.pos] !== '\n' && t[this.pos] !== '\r') this.pos++;
        } else {
          const end = t.indexOf('*/', this.pos + 2);
          if (end < 0) this.fail('unterminated /* comment');
          this.pos = end + 2;
        }
      } else {
        break;
      }
    }
  }

  private parseValue(pointer: string, depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    const start = this.pos;
    const c = this.text[this.pos];
    let value: unknown;
    if (c === '{') value = this.parseObject(pointer, depth);
    else if (c === '[') value = this.parseArray(pointer, depth);
    else if (c === '"') value = this.parseString();
    else if (c === '-' || (c >= '0' && c <= '9')) value = this.parseNumber();
    else if (this.text.startsWith('true', this.pos)) value = this.literal('true', true);
    else if (this.text.startsWith('false', this.pos)) value = this.literal('false', false);
    else if (this.text.startsWith('null', this.pos)) value = this.literal('null', null);
    else if (c === "'") this.fail('strings must use double quotes (")');
    else if (c === '+' || c === '.') this.fail(`invalid number: JSON numbers cannot start with '${c}'`);
    else if (this.pos >= this.text.length) this.fail('unexpected end of file; expected a value');
    else this.fail(`unexpected ${this.describeHere()}; expected a value`);
    const existing = this.nodes.get(pointer);
    this.nodes.set(pointer, { key: existing?.key, value: this.range(start, this.pos) });
    return value;
  }

  private literal<T>(word: string, value: T): T {
    const after = this.text[this.pos + word.length];
    if (after !== undefined && /[\w$]/.test(after)) this.fail(`unexpected ${this.describeHere()}; expected a value`);
    this.pos += word.length;
    return value;
  }

  private parseNumber(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m || m[0] === '-' || m[0] === '') this.fail('invalid number');
    const after = this.text[this.pos + m[0].length];
    if (after !== undefined && /[\w.$+-]/.test(after)) {
      if (m[0].replace('-', '') === '0' && /[0-9]/.test(after)) this.fail('invalid number: leading zeros are not allowed');
      this.fail('invalid number');
    }
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private parseString(): string {
    const start = this.pos;
    const t = this.text;
    let i = this.pos + 1;
    let hasEscape = false;
    for (;;) {
      if (i >= t.length) this.fail('unterminated string', start);
      const c = t.charCodeAt(i);
      if (c === 34 /* " */) break;
      if (c === 10 || c === 13) this.fail('unterminated string (strings cannot span lines)', start);
      if (c < 32) this.fail('control character in a string; escape it (e.g. \\t)', i);
      if (c === 92 /* \ */) {
        hasEscape = true;
        const e = t[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) this.fail('invalid \\u escape; expected 4 hex digits', i);
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail(`invalid escape '\\${e ?? ''}' in a string`, i);
        i += 2;
        continue;
      }
      i++;
    }
    this.pos = i + 1;
    const raw = t.slice(start, this.pos);
    return hasEscape ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  private parseObject(pointer: string, depth: number): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.pos++; // {
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return obj;
    }
    for (;;) {
      const c = this.text[this.pos];
      if (c !== '"') {
        if (c === '}' ) this.fail('trailing comma before }');
        if (c === "'") this.fail('property names must use double quotes (")');
        if (c !== undefined && /[A-Za-z_$]/.test(c)) this.fail('property names must be in double quotes');
        this.fail(`unexpected ${this.describeHere()}; expected a property name in double quotes`);
      }
      const keyStart = this.pos;
      const key = this.parseString();
      const keyRange = this.range(keyStart, this.pos);
      const childPointer = pointer + '/' + escapePointerToken(key);
      if (seen.has(key)) this.duplicateKeys.push({ pointer: childPointer, key: keyRange });
      seen.add(key);
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail(`expected ':' after the property name "${key}"`);
      this.pos++;
      this.skipWhitespace();
      // Drop what an earlier duplicate recorded below this key, then note the key's position.
      if (this.nodes.has(childPointer)) this.forget(childPointer);
      this.nodes.set(childPointer, { key: keyRange, value: keyRange });
      const value = this.parseValue(childPointer, depth + 1);
      if (key === '__proto__') {
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        obj[key] = value;
      }
      this.skipWhitespace();
      const d = this.text[this.pos];
      if (d === ',') {
        this.pos++;
        this.skipWhitespace();
        if (this.text[this.pos] === '}') {
          if (!this.allowTrailingCommas) this.fail('trailing comma before }');
          this.pos++;
          return obj;
        }
        continue;
      }
      if (d === '}') {
        this.pos++;
        return obj;
      }
      if (d === undefined) this.fail("unexpected end of file; expected ',' or '}'");
      this.fail(`expected ',' or '}' after the value of "${key}" (missing comma?), found ${this.describeHere()}`);
    }
  }

  private parseArray(pointer: string, depth: number): unknown[] {
    const arr: unknown[] = [];
    this.pos++; // [
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return arr;
    }
    for (;;) {
      if (this.text[this.pos] === ']') this.fail('trailing comma before ]');
      arr.push(this.parseValue(`${pointer}/${arr.length}`, depth + 1));
      this.skipWhitespace();
      const d = this.text[this.pos];
      if (d === ',') {
        this.pos++;
        this.skipWhitespace();
        if (this.text[this.pos] === ']') {
          if (!this.allowTrailingCommas) this.fail('trailing comma before ]');
          this.pos++;
          return arr;
        }
        continue;
      }
      if (d === ']') {
        this.pos++;
        return arr;
      }
      if (d === undefined) this.fail("unexpected end of file; expected ',' or ']'");
      this.fail(`expected ',' or ']' after an array element (missing comma?), found ${this.describeHere()}`);
    }
  }

  private forget(pointer: string): void {
    for (const p of [...this.nodes.keys()]) {
      if (p === pointer || p.startsWith(pointer + '/')) this.nodes.delete(p);
    }
  }
}
