import type { Cache } from '../cache.js';
import type { Database } from '../db/database.js';

/**
 * Revoked sessions and deactivated users, kept in the shared cache so every instance's auth hook sees a logout or
 * deactivation on the next request. Entries only need to outlive the access tokens they cancel; the database stays
 * the record, and warm() reloads the recent ones into a fresh in-process cache.
 */
export class RevocationList {
  constructor(
    private readonly cache: Cache,
    private readonly ttlSeconds: number,
  ) {}

  revokeSession(sessionId: string): Promise<void> {
    return this.cache.set(`revoked:session:${sessionId}`, '1', this.ttlSeconds);
  }

  revokeUser(userId: string): Promise<void> {
    return this.cache.set(`revoked:user:${userId}`, '1', this.ttlSeconds);
  }

  restoreUser(userId: string): Promise<void> {
    return this.cache.del(`revoked:user:${userId}`);
  }

  async isRevoked(userId: string, sessionId: string | null): Promise<boolean> {
    const [user, session] = await Promise.all([
      this.cache.get(`revoked:user:${userId}`),
      sessionId === null ? Promise.resolve(null) : this.cache.get(`revoked:session:${sessionId}`),
    ]);
    return user !== null || session !== null;
  }

  async warm(db: Database): Promise<void> {
    const sessions = await db.query<{ id: string }>(
      `SELECT id FROM sessions WHERE revoked_at IS NOT NULL AND revoked_at > now() - make_interval(secs => $1)`,
      [this.ttlSeconds],
    );
    const users = await db.query<{ id: string }>('SELECT id FROM users WHERE NOT is_active');
    await Promise.all([
      ...sessions.map((row) => this.revokeSession(row.id)),
      ...users.map((row) => this.revokeUser(row.id)),
    ]);
  }
}
