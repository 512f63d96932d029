import { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Dataset } from './dataset';
import { DataError } from './errors';
import { uniformTable, type CodedFeatures } from './features';
import { classificationTask } from './task';

/** IDX magic numbers: two zero bytes, the type (0x08 = uint8), the number of dimensions. */
const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

export interface IdxOptions {
  /** Paths to show in errors and in the data set's name. */
  displayImages?: string;
  displayLabels?: string;
  /**
   * Where the pixel bytes go: a backend's memory (Backend.allocCodes), so that its batches decode
   * them in place instead of from a second copy. Default: a plain Uint8Array.
   */
  allocCodes?: (length: number) => Uint8Array;
}

/**
 * MNIST-format images (uint8 n×rows×cols) and labels (uint8 n), each optionally gzipped (detected
 * by the gzip magic bytes, not the file name). Pixels are scaled to [0, 1] (pixel/255): kept as the
 * file's bytes with that table (float64 pixels were 8× the file: 359 MiB for MNIST). Labels that are all
 * digits 0..9 give classes '0'..'9' with label = index, so sets loaded separately (train, test)
 * agree even when one lacks a digit; other labels give their distinct values in numeric order.
 */
export function loadIdx(imagesPath: string, labelsPath: string, options: IdxOptions = {}): Dataset<CodedFeatures> {
  const imagesName = options.displayImages ?? imagesPath;
  const labelsName = options.displayLabels ?? labelsPath;
  const images = readIdx(imagesPath, imagesName, IMAGES_MAGIC, 'images', options.allocCodes);
  const labels = readIdx(labelsPath, labelsName, LABELS_MAGIC, 'labels');
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataError(labelsName, `holds ${labels.dims[0]} labels but ${imagesName} holds ${count} images`);
  }
  const features = rows * cols;
  const x: CodedFeatures = { codes: images.data, table: uniformTable(features, (pixel) => pixel / 255) };
  const distinct = [...new Set(labels.data)].sort((a, b) => a - b);
  const digits = distinct.every((v) => v <= 9);
  const classValues = digits ? Array.from({ length: 10 }, (_, d) => d) : distinct;
  const index = new Map(classValues.map((v, i) => [v, i]));
  const y = new Float64Array(count);
  for (let i = 0; i < count; i++) y[i] = index.get(labels.data[i]) ?? 0;
  return {
    name: imagesName,
    task: classificationTask(classValues.length),
    count,
    features,
    x,
    y,
    targets: 1,
    classes: classValues.map(String),
    imageShape: [rows, cols],
  };
}

interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * One IDX file's dims and bytes. With `alloc`, the data bytes go into alloc(size) and an uncompressed
 * file is read straight there (no file-sized buffer besides it); a gzipped one is inflated first.
 */
function readIdx(path: string, shown: string, magic: number, what: 'images' | 'labels', alloc?: (length: number) => Uint8Array): IdxArray {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw unreadable(e, path, shown);
  }
  try {
    const length = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(length, 4 + 4 * (magic & 0xff)));
    readFully(fd, head, 0);
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
      let bytes: Buffer;
      try {
        bytes = gunzipSync(readFileSync(fd));
      } catch (e) {
        throw new DataError(shown, `damaged gzip data: ${(e as Error).message}`);
      }
      const { dims, headerBytes, size } = checkHeader(bytes, bytes.length, shown, magic, what);
      const data = bytes.subarray(headerBytes, headerBytes + size);
      if (!alloc) return { dims, data: new Uint8Array(data.buffer, data.byteOffset, size) };
      const out = alloc(size);
      out.set(data);
      return { dims, data: out };
    }
    const { dims, headerBytes, size } = checkHeader(head, length, shown, magic, what);
    const data = alloc ? alloc(size) : new Uint8Array(size);
    readFully(fd, data, headerBytes);
    return { dims, data };
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw unreadable(e, path, shown);
  } finally {
    closeSync(fd);
  }
}

function unreadable(e: unknown, path: string, shown: string): DataError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(e)})`;
  return new DataError(shown, `${why} (looked at ${resolve(path)})`);
}

/** Fills `into` from the file at `position` (readSync may return fewer bytes than asked). */
function readFully(fd: number, into: Uint8Array, position: number): void {
  for (let done = 0; done < into.length;) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error(`EOF after ${done} of ${into.length} bytes`);
    done += n;
  }
}

/** The header's dims, checked against the file's length (`head` holds at least the header, or the whole file if shorter). */
function checkHeader(head: Buffer, length: number, shown: string, magic: number, what: 'images' | 'labels'): { dims: number[]; headerBytes: number; size: number } {
  if (length < 4) throw new DataError(shown, `truncated: ${length} bytes, too short for an IDX header`);
  const found = head.readUInt32BE(0);
  if (found !== magic) {
    const other = what === 'images' ? 'labels' : 'images';
    const swapped = found === (what === 'images' ? LABELS_MAGIC : IMAGES_MAGIC) ? ` (this looks like an IDX ${other} file: swapped paths?)` : '';
    throw new DataError(shown, `not an IDX ${what} file: magic number ${hex(found)}, expected ${hex(magic)}${swapped}`);
  }
  const rank = magic & 0xff;
  const headerBytes = 4 + 4 * rank;
  if (length < headerBytes) throw new DataError(shown, `truncated: ${length} bytes, the header alone needs ${headerBytes}`);
  const dims = Array.from({ length: rank }, (_, d) => head.readUInt32BE(4 + 4 * d));
  const size = dims.reduce((a, b) => a * b, 1);
  const available = length - headerBytes;
  if (available < size) {
    throw new DataError(shown, `truncated: the header promises ${dims.join('×')} = ${size} bytes of ${what}, the file has ${available}`);
  }
  if (available > size) {
    throw new DataError(shown, `the header promises ${dims.join('×')} = ${size} bytes of ${what}, but the file has ${available} (${available - size} bytes too many: a wrong header or two files joined)`);
  }
  if (dims[0] === 0) throw new DataError(shown, `holds no ${what} (the header's count is 0)`);
  if (what === 'images' && (dims[1] === 0 || dims[2] === 0)) throw new DataError(shown, `its images are ${dims[1]}×${dims[2]} pixels: an image needs at least one row and one column`);
  return { dims, headerBytes, size };
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

export interface IdxContent {
  /** n×rows×cols uint8 pixels, row-major. */
  images: Uint8Array;
  labels: Uint8Array;
  rows: number;
  cols: number;
}

/**
 * Writes an IDX image file and label file (gzipped when the path ends in .gz). Counts come from
 * the arrays' lengths and are not checked against each other, so tests can write mismatched pairs.
 */
export function writeIdx(imagesPath: string, labelsPath: string, content: IdxContent): void {
  const { images, labels, rows, cols } = content;
  if (rows <= 0 || cols <= 0 || images.length % (rows * cols) !== 0) {
    throw new RangeError(`writeIdx: ${images.length} pixels is not a whole number of ${rows}×${cols} images`);
  }
  writeIdxFile(imagesPath, IMAGES_MAGIC, [images.length / (rows * cols), rows, cols], images);
  writeIdxFile(labelsPath, LABELS_MAGIC, [labels.length], labels);
}

function writeIdxFile(path: string, magic: number, dims: number[], data: Uint8Array): void {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const bytes = Buffer.concat([header, data]);
  writeFileSync(path, path.endsWith('.gz') ? gzipSync(bytes) : bytes);
}
