import { isRole, type Role } from '../../domain/auth/roles.js';
import type { Cache } from '../cache.js';
import type { Database, Queryable } from '../db/database.js';

export interface UserState {
  active: boolean;
  roles: Role[];
}

/**
 * Whether a user still exists and is active, and the roles they hold now, as every authenticated request sees it.
 * Credentials outlive changes made to their owner (a token for its 15 minutes, an API key's cached record), so
 * the authenticator asks here each time. The answer is cached briefly; a change made through the platform drops it
 * at once (forget), and one made behind its back (a row deleted with SQL) is seen within ttlSeconds.
 */
export class UserStates {
  constructor(
    private readonly db: Database,
    private readonly cache: Cache,
    private readonly ttlSeconds = 5,
  ) {}

  async current(userId: string): Promise<UserState | null> {
    const key = `userstate:${userId}`;
    const cached = await this.cache.get(key);
    if (cached !== null) return cached === 'none' ? null : (JSON.parse(cached) as UserState);
    const rows = await this.db.query<{ is_active: boolean; roles: string[] }>(
      'SELECT is_active, roles FROM users WHERE id = $1',
      [userId],
    );
    const state = rows[0] === undefined ? null : { active: rows[0].is_active, roles: rows[0].roles.filter(isRole) };
    await this.cache.set(key, state === null ? 'none' : JSON.stringify(state), this.ttlSeconds);
    return state;
  }

  forget(userId: string): Promise<void> {
    return this.cache.del(`userstate:${userId}`);
  }
}

/** How many active users hold any of these roles, read in the caller's transaction (a council's size as it opens). */
export async function activeHolders(q: Queryable, roles: readonly Role[]): Promise<number> {
  const rows = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM users WHERE is_active AND roles && $1::text[]',
    [roles],
  );
  return rows[0]!.n;
}
