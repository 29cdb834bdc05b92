/** The one database interface every repository talks to; PGlite and PostgreSQL implement it identically. */
export interface Queryable {
  /** Runs one parameterised statement ($1, $2 …) and returns its rows. */
  query<Row extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface PoolStats {
  /** Connections currently open (in use or idle). */
  open: number;
  idle: number;
  /** Callers queued for a connection. */
  waiting: number;
  /** Pool size plus allowed overflow. */
  max: number;
}

export interface Database extends Queryable {
  readonly backend: 'pglite' | 'postgres';
  /** Runs fn inside BEGIN … COMMIT, rolling back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements separated by semicolons, without parameters (migrations). */
  exec(sql: string): Promise<void>;
  ping(): Promise<void>;
  /**
   * Subscribes to PostgreSQL NOTIFY on a channel (sent with pg_notify inside a transaction, so delivery happens
   * exactly when the change commits). A lost connection is re-established in the background; notifications sent
   * while it was down are gone, so `onResubscribed` runs after each reconnection for the subscriber to catch up.
   * Both run in no request's trace. Returns the unsubscribe function.
   */
  listen(
    channel: string,
    handler: (payload: string) => void,
    onResubscribed?: () => void,
  ): Promise<() => Promise<void>>;
  stats(): PoolStats;
  close(): Promise<void>;
}
