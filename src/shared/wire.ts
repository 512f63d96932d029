/**
 * The socket framing of the engine protocol (a reattached engine, the PyTorch module): one JSON
 * object per line, UTF-8, non-finite numbers as `$nf` tokens and typed arrays as arrays
 * (./nonfinite). Language-neutral on purpose: Python speaks it with the json module.
 */
import { fromJson, toJson } from './nonfinite';

export function encodeLine(message: unknown): string {
  return toJson(message) + '\n';
}

/** Splits a text stream into messages; a line that is not JSON is skipped (reported through `onBad`). */
export class LineDecoder {
  private rest = '';

  constructor(private readonly onBad: (line: string) => void = () => undefined, private readonly maxLine = 64 * 1024 * 1024) {}

  push(text: string): unknown[] {
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop() ?? '';
    if (this.rest.length > this.maxLine) {
      this.onBad(this.rest.slice(0, 200));
      this.rest = '';
    }
    const out: unknown[] = [];
    for (const line of parts) {
      if (!line.trim()) continue;
      try {
        out.push(fromJson(line));
      } catch {
        this.onBad(line.slice(0, 200));
      }
    }
    return out;
  }
}
