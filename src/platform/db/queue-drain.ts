import type { Queryable } from './database.js';

/** A work queue kept in the database: items claimed one at a time, and put back when their run was cut short. */
export interface DatabaseQueue<T extends { id: string }> {
  claimNext(): Promise<T | null>;
  requeue(id: string): Promise<void>;
}

interface Log {
  warn(details: object, message: string): void;
}

/**
 * Works a database queue one item at a time, oldest first, whenever kicked: items survive a restart and instances
 * sharing the database split the queue. `work` throwing means the database went away mid-item (anything else is the
 * work's to record): the drain stops, tries again after `retryMs`, and puts that item back in the queue first, so
 * the process never dies of a lost database and no item is lost or run twice at once.
 */
export class QueueDrain<T extends { id: string }> {
  private draining: Promise<void> | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  /** The item being worked when the database went away, to queue again before anything else. */
  private interrupted: string | null = null;

  constructor(
    private readonly queue: DatabaseQueue<T>,
    private readonly work: (item: T) => Promise<void>,
    private readonly log: Log,
    private readonly what: string,
    private readonly retryMs = 5000,
  ) {}

  kick(): void {
    if (this.stopped || this.draining !== null) return;
    this.draining = this.drain()
      .catch((error: unknown) => {
        this.log.warn({ err: error }, `${this.what} lost the database; trying again in ${this.retryMs} ms`);
        this.retry = setTimeout(() => {
          this.retry = null;
          this.kick();
        }, this.retryMs);
      })
      .finally(() => {
        this.draining = null;
      });
  }

  /** Stops taking items and waits for the one being worked. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry !== null) clearTimeout(this.retry);
    await this.draining;
  }

  private async drain(): Promise<void> {
    if (this.interrupted !== null) {
      await this.queue.requeue(this.interrupted);
      this.interrupted = null;
    }
    while (!this.stopped) {
      const item = await this.queue.claimNext();
      if (item === null) return;
      this.interrupted = item.id;
      await this.work(item);
      this.interrupted = null;
    }
  }
}

/**
 * The queue operations of a table whose rows go `queued` → a working status (the first of `working`, later ones
 * set by the work itself) and back to `queued` when cut short, with `started_at` stamped on each claim. The owning
 * store passes its own table, so the SQL stays with the table's owner.
 */
export class TableQueue<Row extends object> {
  /** The status a claim sets, and every status a row being worked can have, as SQL literals. */
  private readonly claimed: string;
  private readonly working: string;

  constructor(
    private readonly db: Queryable,
    private readonly table: string,
    statuses: readonly [string, ...string[]],
  ) {
    this.claimed = `'${statuses[0]}'`;
    this.working = statuses.map((status) => `'${status}'`).join(', ');
  }

  /** The oldest queued row, now working; instances sharing the database never take the same one. */
  async claimNext(): Promise<Row | null> {
    const rows = await this.db.query<Row>(
      `UPDATE ${this.table} SET status = ${this.claimed}, started_at = now()
        WHERE id = (SELECT id FROM ${this.table} WHERE status = 'queued' ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
    );
    return rows[0] ?? null;
  }

  /** A row this process was working when the database went away: queued again, to be run from the start. */
  async requeue(id: string): Promise<void> {
    await this.db.query(
      `UPDATE ${this.table} SET status = 'queued', started_at = NULL WHERE id = $1 AND status IN (${this.working})`,
      [id],
    );
  }

  /** Rows left working by a process that stopped: queued again, to be run from the start. */
  async requeueAbandoned(): Promise<number> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE ${this.table} SET status = 'queued', started_at = NULL WHERE status IN (${this.working}) RETURNING id`,
    );
    return rows.length;
  }
}
