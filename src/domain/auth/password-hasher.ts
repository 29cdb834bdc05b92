import bcrypt from 'bcrypt';
import { availableParallelism } from 'node:os';

/**
 * bcrypt ($2b$) on libuv's thread pool, never on the event loop. Concurrency is capped below the core count so a
 * burst of logins cannot starve request handling of CPU: excess hashes queue here instead.
 */
export class PasswordHasher {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private readonly limit: number;
  /** A real hash of a random password, compared against when the user is unknown so timing gives nothing away. */
  private decoy: Promise<string> | null = null;

  constructor(
    private readonly cost: number,
    limit = Math.max(1, availableParallelism() - 1),
  ) {
    this.limit = limit;
  }

  hash(password: string): Promise<string> {
    return this.withSlot(() => bcrypt.hash(password, this.cost));
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.withSlot(() => bcrypt.compare(password, hash));
  }

  /** Spends the same work as verify() for a user that does not exist, and always answers false. */
  async verifyAgainstDecoy(password: string): Promise<false> {
    this.decoy ??= bcrypt.hash(`decoy-${Math.random()}`, this.cost);
    await this.verify(password, await this.decoy);
    return false;
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.queue.shift()?.();
    }
  }
}
