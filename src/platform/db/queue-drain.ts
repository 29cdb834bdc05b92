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
