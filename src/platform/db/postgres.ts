import pg from 'pg';
import type { Database, PoolStats, Queryable } from './database.js';
import { translateDatabaseError } from './database-errors.js';

// COUNT(*) and BIGINT ids fit comfortably in a double here; PGlite returns numbers too, so both backends agree.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export interface PostgresPoolOptions {
  url: string;
  size: number;
  maxOverflow: number;
  timeoutMs: number;
}

/**
 * A pg pool with SQLAlchemy-like sizing: `size` connections stay open once made, up to `maxOverflow` more are
 * opened under load and closed after 10 s idle, and a caller that waits longer than `timeoutMs` gets DB_POOL_TIMEOUT.
 */
export async function openPostgres(options: PostgresPoolOptions): Promise<Database> {
  const max = options.size + options.maxOverflow;
  const pool = new pg.Pool({
    connectionString: options.url,
    max,
    min: options.size,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: options.timeoutMs,
    application_name: 'acgs-pgp',
  });
  // An idle client that loses its server emits here; without a listener the process would crash.
  pool.on('error', () => undefined);

  async function run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  const db: Database = {
    backend: 'postgres',
    query: <Row extends object>(sql: string, params: readonly unknown[] = []) =>
      run(async () => (await pool.query(sql, params as unknown[])).rows as Row[]),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      run(async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const result = await fn({
            query: async <Row extends object>(sql: string, params: readonly unknown[] = []) =>
              (await client.query(sql, params as unknown[])).rows as Row[],
          });
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      }),
    exec: (sql: string) => run(async () => void (await pool.query(sql))),
    ping: () => run(async () => void (await pool.query('SELECT 1'))),
    // LISTEN holds its connection for as long as the subscription lives, so it gets its own client outside the pool.
    listen: async (channel, handler) => {
      const client = new pg.Client({ connectionString: options.url });
      client.on('error', () => undefined);
      await client.connect();
      client.on('notification', (message) => {
        if (message.channel === channel) handler(message.payload ?? '');
      });
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return async () => {
        await client.end().catch(() => undefined);
      };
    },
    stats: (): PoolStats => ({ open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }),
    close: () => pool.end(),
  };
  await db.ping();
  return db;
}
