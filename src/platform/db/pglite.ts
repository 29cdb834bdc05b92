import { PGlite } from '@electric-sql/pglite';
import type { Database, PoolStats, Queryable } from './database.js';
import { translateDatabaseError } from './database-errors.js';
import { lockDataDir } from './data-dir-lock.js';
import { outsideTraces } from '../tracing.js';

/**
 * Embedded PostgreSQL (WASM). One connection serialises all work, so "pool" figures are 0 or 1 of 1.
 * `source` may be a directory, null for an in-memory database, or a tarball made by dumpDataDir (tests use that to
 * skip initdb).
 */
export interface PgliteDatabase extends Database {
  /** A tarball of the whole data directory, loadable by openPglite (gzip for files, none for speed in memory). */
  dump(compression?: 'none' | 'gzip'): Promise<Blob>;
}

/** A new data directory holding the database in `tarball` (a dump); the directory must not exist. */
export async function createPgliteDirFrom(tarball: Blob, dataDir: string): Promise<void> {
  const release = lockDataDir(dataDir);
  try {
    const db = await PGlite.create({ dataDir, loadDataDir: tarball });
    await db.close();
  } finally {
    release();
  }
}

export async function openPglite(source: string | null | Blob): Promise<PgliteDatabase> {
  // A data directory is one process's: a second one's writes would be lost (data-dir-lock.ts).
  const release = typeof source === 'string' ? lockDataDir(source) : () => undefined;
  let db: PGlite;
  try {
    db =
      source instanceof Blob
        ? await PGlite.create({ loadDataDir: source })
        : await PGlite.create(source === null ? {} : { dataDir: source });
  } catch (error) {
    release();
    throw error;
  }
  let inFlight = 0;

  async function run<T>(work: () => Promise<T>): Promise<T> {
    inFlight += 1;
    try {
      return await work();
    } catch (error) {
      throw translateDatabaseError(error);
    } finally {
      inFlight -= 1;
    }
  }

  return {
    backend: 'pglite',
    query: <Row extends object>(sql: string, params: readonly unknown[] = []) =>
      run(async () => (await db.query<Row>(sql, params as unknown[])).rows),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      run(() =>
        db.transaction((tx) =>
          fn({
            query: async <Row extends object>(sql: string, params: readonly unknown[] = []) =>
              (await tx.query<Row>(sql, params as unknown[])).rows,
          }),
        ),
      ),
    exec: (sql: string) => run(async () => void (await db.exec(sql))),
    ping: () => run(async () => void (await db.query('SELECT 1'))),
    listen: async (channel, handler) => {
      const unsubscribe = await db.listen(channel, outsideTraces(handler));
      return async () => unsubscribe();
    },
    stats: (): PoolStats => ({ open: 1, idle: inFlight > 0 ? 0 : 1, waiting: Math.max(0, inFlight - 1), max: 1 }),
    close: async () => {
      try {
        await db.close();
      } finally {
        release();
      }
    },
    dump: (compression = 'none') => run(() => db.dumpDataDir(compression)),
  };
}
