import * as fs from 'node:fs';

/**
 * Writes a file so that readers see the old or the new content, never a torn one: a temp file
 * next to it, fsync, rename. On failure the temp file is removed and the old file is untouched.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      if (typeof content === 'string') fs.writeSync(fd, content);
      else for (let at = 0; at < content.length;) at += fs.writeSync(fd, content, at, content.length - at);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
