import * as fs from 'node:fs';
import { processAlive } from './process';

/**
 * Claims a folder for this process with a pid file (a run folder's `engine.lock`, a search
 * folder's `search.pid`), so two processes never write one folder. Created exclusively ('wx'), so
 * two claimants racing cannot both win; a lock whose process is gone (kill -9, a crash) or that
 * this process wrote is taken over. `refuse(pid)` makes the error for a lock held by the live
 * process `pid`, `refuse(null)` the one for a claimant that keeps winning the race.
 */
export function takePidLock(file: string, refuse: (pid: number | null) => Error): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      try {
        fs.writeSync(fd, `${process.pid}\n`);
      } finally {
        fs.closeSync(fd);
      }
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = lockHolder(file);
    if (pid !== null && pid !== process.pid && processAlive(pid)) throw refuse(pid);
    fs.rmSync(file, { force: true });
  }
  throw refuse(null);
}

/** Removes the lock if this process holds it (one taken over by another process stays). */
export function releasePidLock(file: string): void {
  try {
    if (lockHolder(file) === process.pid) fs.rmSync(file, { force: true });
  } catch {
    /* unreadable or not removable: a later claimant takes it over once this process is gone */
  }
}

/** The pid in a lock file; null when there is none or it is not a pid. */
function lockHolder(file: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}
