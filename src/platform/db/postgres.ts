import pg from 'pg';
import type { Database, PoolStats, Queryable } from './database.js';
import { translateDatabaseError } from './database-errors.js';
import { outsideTraces } from '../tracing.js';

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
        // A checked-out client has no pool listener: a server that goes away mid-transaction emits 'error' here,
        // which would kill the process unheard. The failing query rejects on its own; the client is discarded below.
        let lost: Error | null = null;
        const onError = (error: Error) => {
          lost = error;
        };
        client.on('error', onError);
        let broken = false;
        try {
          await client.query('BEGIN');
          const result = await fn({
            query: async <Row extends object>(sql: string, params: readonly unknown[] = []) =>
              (await client.query(sql, params as unknown[])).rows as Row[],
          });
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
          throw error;
        } finally {
          client.removeListener('error', onError);
          // Passing an error makes the pool close this connection instead of handing it to the next caller.
          client.release(lost ?? (broken ? new Error('rollback failed') : undefined));
        }
      }),
    exec: (sql: string) => run(async () => void (await pool.query(sql))),
    ping: () => run(async () => void (await pool.query('SELECT 1'))),
    // LISTEN holds its connection for as long as the subscription lives, so it gets its own client outside the pool.
    listen: (channel, handler, onResubscribed) =>
      subscribe(options.url, channel, outsideTraces(handler), outsideTraces(onResubscribed ?? (() => undefined))),
    stats: (): PoolStats => ({ open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }),
    close: () => pool.end(),
  };
  await db.ping();
  return db;
}

const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 2000;

/**
 * A LISTEN that outlives its connection: when the server or the network drops it, it reconnects with backoff
 * (100 ms doubling to 2 s) and calls onResubscribed, since whatever was notified in between is lost.
 */
async function subscribe(
  url: string,
  channel: string,
  handler: (payload: string) => void,
  onResubscribed: () => void,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let delay = RECONNECT_FIRST_MS;

  async function connect(): Promise<pg.Client> {
    const next = new pg.Client({ connectionString: url });
    let dropped = false;
    const onDrop = () => {
      if (dropped) return;
      dropped = true;
      next.end().catch(() => undefined);
      if (client === next) client = null;
      if (!stopped) scheduleReconnect();
    };
    next.on('error', onDrop);
    next.on('end', onDrop);
    next.on('notification', (message) => {
      if (message.channel === channel) handler(message.payload ?? '');
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      dropped = true;
      await next.end().catch(() => undefined);
      throw error;
    }
    return next;
  }

  function scheduleReconnect(): void {
    if (retry !== null) return;
    retry = setTimeout(() => {
      retry = null;
      connect().then(
        (next) => {
          if (stopped) return void next.end().catch(() => undefined);
          client = next;
          delay = RECONNECT_FIRST_MS;
          onResubscribed();
        },
        () => {
          delay = Math.min(delay * 2, RECONNECT_MAX_MS);
          if (!stopped) scheduleReconnect();
        },
      );
    }, delay);
    retry.unref();
  }

  client = await connect();
  return async () => {
    stopped = true;
    if (retry !== null) clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}
