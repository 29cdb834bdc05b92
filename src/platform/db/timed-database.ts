import type { Database, Queryable } from './database.js';

export type QueryOperation = 'select' | 'insert' | 'update' | 'delete' | 'other';

export interface QueryObserver {
  /** Every statement, with its duration in seconds. */
  observe(operation: QueryOperation, seconds: number, sql: string): void;
}

const OPERATIONS: readonly QueryOperation[] = ['select', 'insert', 'update', 'delete'];

/** The statement's kind from its first keyword; a CTE (WITH …) counts as what it ends in doing. */
export function operationOf(sql: string): QueryOperation {
  const text = sql.trimStart().toLowerCase();
  const first = text.slice(0, text.search(/\s|$/)) as QueryOperation;
  if (OPERATIONS.includes(first)) return first;
  if (first === ('with' as QueryOperation))
    return OPERATIONS.find((operation) => new RegExp(`\\)\\s*${operation}\\b`).test(text)) ?? 'other';
  return 'other';
}

function timed(q: Queryable, observer: QueryObserver): Queryable {
  return {
    async query(sql, params) {
      const started = performance.now();
      try {
        return await q.query(sql, params);
      } finally {
        observer.observe(operationOf(sql), (performance.now() - started) / 1000, sql);
      }
    },
  };
}

/** Wraps a database so every statement, in or out of a transaction, is timed. */
export function timeQueries(db: Database, observer: QueryObserver): Database {
  const outside = timed(db, observer);
  return {
    backend: db.backend,
    query: (sql, params) => outside.query(sql, params),
    transaction: (fn) => db.transaction((tx) => fn(timed(tx, observer))),
    exec: (sql) => db.exec(sql),
    ping: () => db.ping(),
    listen: (channel, handler, onResubscribed) => db.listen(channel, handler, onResubscribed),
    stats: () => db.stats(),
    close: () => db.close(),
  };
}
