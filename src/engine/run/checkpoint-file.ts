import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isCheckpoint, type Checkpoint } from './checkpoint';
import { writeFileAtomic } from './atomic-write';

/**
 * A checkpoint on disk (docs/run-folder.md): `<name>.json`, a small JSON header (every scalar of
 * the checkpoint, each tensor replaced by `{"$tensor": i}`), and `<name>-<token>.tensors`, the
 * tensors as raw little-endian floats, each at an 8-byte-aligned offset. A tensor is stored as
 * float32 when every value survives the round trip through float32 (the WASM backend's parameters
 * and optimizer slots), else as float64, so reading gives back the very same numbers.
 *
 * Atomic as a single file: the tensor file gets a new name each time and is complete (temp +
 * fsync + rename) before the header that names it replaces the old header; the old tensor file is
 * removed only after that. A crash at any point leaves a header whose tensor file exists.
 *
 * Version 1 files (one JSON document, tensors as number arrays) still read.
 */
export const CHECKPOINT_FILE_VERSION = 2;
/** Number arrays shorter than this stay in the JSON header (RNG states, permutation-free positions). */
const MIN_TENSOR = 16;
const ALIGN = 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type DType = 'f32' | 'f64';
interface TensorEntry { dtype: DType; offset: number; length: number }
interface TensorsRef { file: string; bytes: number; list: TensorEntry[] }
type Tensor = ArrayLike<number>;

function isNumberArray(v: unknown): v is Tensor {
  // Typed arrays (the trainer's copies) always: JSON would turn them into objects and NaN into null.
  if (v instanceof Float32Array || v instanceof Float64Array) return true;
  if (!Array.isArray(v) || v.length < MIN_TENSOR) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'number') return false;
  return true;
}

function float32Exact(t: Tensor): boolean {
  if (t instanceof Float32Array) return true;
  for (let i = 0; i < t.length; i++) {
    const x = t[i];
    if (Math.fround(x) !== x && x === x) return false; // x !== x: NaN, which float32 keeps
  }
  return true;
}

/** The header (tensors replaced by references) and the tensors found, in order. */
function split(checkpoint: Checkpoint): { header: unknown; tensors: Tensor[] } {
  const tensors: Tensor[] = [];
  const walk = (v: unknown): unknown => {
    if (isNumberArray(v)) {
      tensors.push(v);
      return { $tensor: tensors.length - 1 };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return { header: walk(checkpoint), tensors };
}

function pack(tensors: Tensor[]): { bytes: Uint8Array; list: TensorEntry[] } {
  const list: TensorEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    const dtype: DType = float32Exact(t) ? 'f32' : 'f64';
    list.push({ dtype, offset, length: t.length });
    offset += Math.ceil((t.length * (dtype === 'f32' ? 4 : 8)) / ALIGN) * ALIGN;
  }
  const buffer = new ArrayBuffer(offset);
  tensors.forEach((t, i) => {
    const { dtype, offset: at, length } = list[i];
    const view = dtype === 'f32' ? new Float32Array(buffer, at, length) : new Float64Array(buffer, at, length);
    view.set(t);
    if (!LITTLE_ENDIAN) {
      const b = Buffer.from(buffer, at, view.byteLength);
      if (dtype === 'f32') b.swap32();
      else b.swap64();
    }
  });
  return { bytes: new Uint8Array(buffer), list };
}

/** Writes `<dir>/<name>.json` and its tensor file; returns the header's path. */
export function writeCheckpointFile(dir: string, name: string, checkpoint: Checkpoint): string {
  const { header, tensors } = split(checkpoint);
  const { bytes, list } = pack(tensors);
  const tensorFile = `${name}-${checkpoint.iteration}-${randomBytes(4).toString('hex')}.tensors`;
  const headerFile = path.join(dir, `${name}.json`);
  const previous = tensorFiles(dir, name);
  writeFileAtomic(path.join(dir, tensorFile), bytes);
  try {
    const ref: TensorsRef = { file: tensorFile, bytes: bytes.length, list };
    writeFileAtomic(headerFile, JSON.stringify({ ...(header as object), version: CHECKPOINT_FILE_VERSION, tensors: ref }));
  } catch (e) {
    fs.rmSync(path.join(dir, tensorFile), { force: true });
    throw e;
  }
  // Older tensor files (and any a crash left behind) are no longer named by a header.
  for (const f of previous) fs.rmSync(path.join(dir, f), { force: true });
  return headerFile;
}

function tensorFiles(dir: string, name: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.tensors'));
  } catch {
    return [];
  }
}

/** Reads a checkpoint header (version 2, with its tensor file) or a version 1 JSON checkpoint. */
export function readCheckpointFile(file: string): Checkpoint {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw e;
    throw new Error(`${file}: not a Gradient Lab checkpoint (${(e as Error).message})`, { cause: e });
  }
  const v = value as { format?: unknown; version?: unknown; tensors?: TensorsRef } | null;
  if (v && v.format === 'gradient-lab-checkpoint' && v.version === CHECKPOINT_FILE_VERSION) value = join(file, v);
  if (!isCheckpoint(value)) throw new Error(`${file}: not a Gradient Lab checkpoint`);
  return value;
}

function join(file: string, header: { tensors?: TensorsRef }): unknown {
  const ref = header.tensors;
  if (!ref || typeof ref.file !== 'string' || !Array.isArray(ref.list) || path.basename(ref.file) !== ref.file) {
    throw new Error(`${file}: checkpoint header without a valid "tensors" entry`);
  }
  const tensorPath = path.join(path.dirname(file), ref.file);
  let raw: Buffer;
  try {
    raw = fs.readFileSync(tensorPath);
  } catch (e) {
    throw new Error(`${file}: its tensor file ${ref.file} is missing`, { cause: e });
  }
  if (raw.length !== ref.bytes) throw new Error(`${tensorPath}: ${raw.length} bytes, the header says ${ref.bytes} (truncated?)`);
  // An own, aligned copy: typed-array views need 8-byte alignment (and a big-endian host swaps bytes).
  const buffer = new ArrayBuffer(raw.length);
  new Uint8Array(buffer).set(raw);
  const tensor = (i: number): number[] => {
    const e = ref.list[i];
    const size = e?.dtype === 'f32' ? 4 : e?.dtype === 'f64' ? 8 : 0;
    if (!e || size === 0 || !Number.isInteger(e.offset) || e.offset % size !== 0 || e.offset + e.length * size > raw.length) {
      throw new Error(`${file}: tensor ${i} is not in ${ref.file}`);
    }
    if (!LITTLE_ENDIAN) {
      const b = Buffer.from(buffer, e.offset, e.length * size);
      if (size === 4) b.swap32();
      else b.swap64();
    }
    return Array.from(size === 4 ? new Float32Array(buffer, e.offset, e.length) : new Float64Array(buffer, e.offset, e.length));
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$tensor === 'number' && Object.keys(o).length === 1) return tensor(o.$tensor);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  const { tensors: _ref, ...rest } = walk(header) as Record<string, unknown>;
  return { ...rest, version: 1 };
}
