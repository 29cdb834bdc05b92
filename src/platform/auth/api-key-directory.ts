import { apiKeyMatches, apiKeyPrefix } from '../../domain/auth/api-keys.js';
import type { Cache } from '../cache.js';
import type { Database, Queryable } from '../db/database.js';

export interface ApiKeyIdentity {
  keyId: string;
  userId: string;
}

interface StoredKey {
  id: string;
  user_id: string;
  key_hash: string;
  expires_at: string | null;
}

/**
 * Resolves agent API keys to their owners, with the lookup cached so the hot path does not touch the database. Roles
 * and whether the owner is active are not part of it: they come from UserStates, which sees a change at once.
 */
export class ApiKeyDirectory {
  constructor(
    private readonly db: Database,
    private readonly cache: Cache,
    private readonly ttlSeconds: number,
  ) {}

  async resolve(key: string): Promise<ApiKeyIdentity | null> {
    const prefix = apiKeyPrefix(key);
    if (prefix === null) return null;
    const stored = await this.load(prefix);
    if (stored === null || !apiKeyMatches(key, stored.key_hash)) return null;
    if (stored.expires_at !== null && Date.parse(stored.expires_at) <= Date.now()) return null;
    return { keyId: stored.id, userId: stored.user_id };
  }

  /** Drops a key from the cache; revocation calls this so the key stops working at once. */
  forget(prefix: string): Promise<void> {
    return this.cache.del(`apikey:${prefix}`);
  }

  private async load(prefix: string): Promise<StoredKey | null> {
    const cached = await this.cache.get(`apikey:${prefix}`);
    if (cached !== null) return cached === 'none' ? null : (JSON.parse(cached) as StoredKey);
    const rows = await this.db.query<StoredKey & { expires_at: Date | null }>(
      `SELECT k.id, k.user_id, k.key_hash, k.expires_at
         FROM api_keys k JOIN users u ON u.id = k.user_id
        WHERE k.prefix = $1 AND k.revoked_at IS NULL AND u.is_active`,
      [prefix],
    );
    const row = rows[0];
    const stored =
      row === undefined
        ? null
        : { ...row, expires_at: row.expires_at === null ? null : new Date(row.expires_at).toISOString() };
    // Misses are cached briefly too, so a flood of made-up keys cannot turn into a flood of queries.
    await this.cache.set(
      `apikey:${prefix}`,
      stored === null ? 'none' : JSON.stringify(stored),
      stored === null ? 30 : this.ttlSeconds,
    );
    return stored;
  }
}

/** Who issued an API key (its owner, for a request an agent makes with it); null for none or an unknown key. */
export async function apiKeyIssuer(q: Queryable, apiKeyId: string): Promise<string | null> {
  const rows = await q.query<{ created_by: string | null }>('SELECT created_by FROM api_keys WHERE id = $1', [
    apiKeyId,
  ]);
  return rows[0]?.created_by ?? null;
}
