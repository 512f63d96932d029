import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A run folder that cannot be written (full disk, read-only mount, a file in the way) or is in
 * use: a user error with the folder's path and the reason in words, never a stack trace.
 * The one place that turns file-system errors of the run folder into user errors.
 */
export class RunFolderError extends Error {
  constructor(readonly dir: string, readonly reason: string, readonly errno?: string) {
    super(`cannot write the run folder at ${dir}: ${reason}`);
    this.name = 'RunFolderError';
  }
}

/** The run folder is another live run's, or holds a run already. */
export class RunFolderInUseError extends RunFolderError {
  constructor(dir: string, reason: string) {
    super(dir, reason);
    this.message = `the run folder ${dir} ${reason}`;
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'not a directory (a part of the path is a file)',
  EEXIST: 'not a directory (a file of that name exists)',
  EISDIR: 'a directory is in the way of a file',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links in the path',
};

/** `e` as a RunFolderError when it is a file-system error; anything else unchanged. */
export function asRunFolderError(e: unknown, dir: string): unknown {
  if (e instanceof RunFolderError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return e;
  const reason = REASONS[code] ?? (code === 'ENOENT' ? explainMissing(dir) : undefined);
  return reason ? new RunFolderError(dir, reason, code) : e;
}

/** Runs `f`, turning its file-system errors into RunFolderErrors about `dir`. */
export function inRunFolder<T>(dir: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw asRunFolderError(e, dir);
  }
}

/**
 * ENOENT while writing: a folder on the path vanished or could not be made. The nearest existing
 * ancestor tells which: a file (not a directory), unwritable (read-only), or gone.
 */
function explainMissing(dir: string): string {
  let p = path.resolve(dir);
  for (;;) {
    try {
      const st = fs.statSync(p);
      if (!st.isDirectory()) return `not a directory (${p} is a file)`;
      try {
        fs.accessSync(p, fs.constants.W_OK);
      } catch {
        return `read-only (${p} is not writable)`;
      }
      return 'a folder on its path was removed while the run wrote to it';
    } catch {
      const up = path.dirname(p);
      if (up === p) return 'no such folder';
      p = up;
    }
  }
}
