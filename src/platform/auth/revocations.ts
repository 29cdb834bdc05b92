import type { Cache } from '../cache.js';
import type { Database } from '../db/database.js';

/**
 * Revoked sessions, kept in the shared cache so every instance's auth hook sees a logout on the next request.
 * Entries only need to outlive the access tokens they cancel; the database stays the record, and warm() reloads the
 * recent ones into a fresh in-process cache. (A deactivated or deleted user is UserStates' concern.)
 */
export class RevocationList {
  constructor(
    private readonly cache: Cache,
    private readonly ttlSeconds: number,
  ) {}

  revokeSession(sessionId: string): Promise<void> {
    return this.cache.set(`revoked:session:${sessionId}`, '1', this.ttlSeconds);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.cache.get(`revoked:session:${sessionId}`)) !== null;
  }

  async warm(db: Database): Promise<void> {
    const sessions = await db.query<{ id: string }>(
      `SELECT id FROM sessions WHERE revoked_at IS NOT NULL AND revoked_at > now() - make_interval(secs => $1)`,
      [this.ttlSeconds],
    );
    await Promise.all(sessions.map((row) => this.revokeSession(row.id)));
  }
}
