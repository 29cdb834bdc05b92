import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { AppError } from '../../domain/errors.js';

/**
 * One process at a time on a PGlite data directory. PGlite has no server to arbitrate: a second process opening the
 * same directory works on its own copy of the pages and what it writes is lost when the first one writes back (the
 * outside run saw `acgs user create` print "created" for users that never existed). A lock file beside the
 * directory names the process holding it; a lock whose process is gone is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && alive(holder))
      throw new AppError(
        'unavailable',
        'DATA_DIR_IN_USE',
        `the PGlite data directory ${dataDir} is in use by process ${holder}${holder === process.pid ? ' (this one)' : ''}: ` +
          'stop it first, or make the change through the running services (their API or the console)',
      );
    // The holder is gone (a crash, a kill -9): its lock is stale.
    try {
      unlinkSync(path);
    } catch {
      // Another process took it over first; the next attempt sees its lock.
    }
  }
  throw new AppError('unavailable', 'DATA_DIR_IN_USE', `could not take the lock on ${dataDir} (${path})`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
