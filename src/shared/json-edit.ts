/**
 * One value written into an experiment file's text at a JSON pointer, everything else kept as the
 * user wrote it (comments, order, indentation): the CLI's `--apply` and the extension's one-click
 * fixes (as a WorkspaceEdit, so it can be undone). A missing member is added to its nearest
 * existing parent object, with the missing levels as nested objects.
 */
import { parseJson, pointerFromTokens, pointerTokens, type ParsedJson } from './json-locations';

/** Replace `length` characters at `offset` with `text`. */
export interface TextEdit {
  offset: number;
  length: number;
  text: string;
}

export class JsonEditError extends Error {}

export function jsonSetEdit(text: string, pointer: string, value: unknown): TextEdit {
  const parsed = parseJson(text, { allowComments: true, allowTrailingCommas: true });
  const existing = parsed.nodes.get(pointer);
  if (existing) {
    return { offset: existing.value.start.offset, length: existing.value.end.offset - existing.value.start.offset, text: inline(value) };
  }
  const tokens = pointerTokens(pointer);
  let depth = tokens.length - 1;
  let parent = '';
  for (; depth >= 0; depth--) {
    parent = pointerFromTokens(tokens.slice(0, depth));
    if (parsed.nodes.has(parent)) break;
  }
  const container = valueAt(parsed.value, tokens.slice(0, depth));
  if (typeof container !== 'object' || container === null || Array.isArray(container)) {
    throw new JsonEditError(`cannot add ${pointer}: ${parent || 'the document'} is not an object`);
  }
  let nested: unknown = value;
  for (let i = tokens.length - 1; i > depth; i--) nested = { [tokens[i]]: nested };
  return insertMember(text, parsed, parent, tokens[depth], nested);
}

/** The text with the edit applied. */
export function applyTextEdit(text: string, edit: TextEdit): string {
  return text.slice(0, edit.offset) + edit.text + text.slice(edit.offset + edit.length);
}

/** Several values at once (each edit computed on the text the previous one left). */
export function jsonSet(text: string, edits: readonly { pointer: string; value: unknown }[]): string {
  return edits.reduce((t, e) => applyTextEdit(t, jsonSetEdit(t, e.pointer, e.value)), text);
}

function insertMember(text: string, parsed: ParsedJson, parent: string, key: string, value: unknown): TextEdit {
  const node = parsed.nodes.get(parent)!;
  const open = node.value.start.offset;
  const close = node.value.end.offset - 1; // the `}`
  const members = [...parsed.nodes.entries()].filter(([p]) => isChild(parent, p)).map(([, n]) => n);
  const member = `${JSON.stringify(key)}: ${inline(value)}`;
  if (members.length === 0) {
    const inner = text.slice(open + 1, close);
    if (!inner.includes('\n')) return { offset: open + 1, length: close - open - 1, text: ` ${member} ` };
    const indent = lineIndent(text, open) + detectUnit(text);
    return { offset: open + 1, length: 0, text: `\n${indent}${member}` };
  }
  const last = members.reduce((a, b) => (b.value.end.offset > a.value.end.offset ? b : a));
  const first = members.reduce((a, b) => (b.key!.start.offset < a.key!.start.offset ? b : a));
  const lastEnd = last.value.end.offset;
  // Members on their own lines: the new one on a new line with the first member's indentation.
  const gap = text.slice(open, first.key!.start.offset).includes('\n') ? `\n${lineIndent(text, first.key!.start.offset)}` : ' ';
  const trailingComma = /^\s*,/.exec(text.slice(lastEnd, close));
  return trailingComma
    ? { offset: lastEnd + trailingComma[0].length, length: 0, text: `${gap}${member},` }
    : { offset: lastEnd, length: 0, text: `,${gap}${member}` };
}

/** JSON on one line, with a space after `:` and `,` as people write it. */
function inline(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  return `{ ${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')} }`;
}

function isChild(parent: string, pointer: string): boolean {
  return pointer.startsWith(`${parent}/`) && !pointer.slice(parent.length + 1).includes('/');
}

function valueAt(root: unknown, tokens: readonly string[]): unknown {
  let v = root;
  for (const t of tokens) v = (v as Record<string, unknown>)[t];
  return v;
}

/** The whitespace that starts the line containing `offset`. */
function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/** The file's indentation step (the first indented line's leading whitespace), two spaces by default. */
function detectUnit(text: string): string {
  const m = /\n([ \t]+)\S/.exec(text);
  return m ? m[1] : '  ';
}
