import type {
  ApiKeyRecord,
  ApiKeyStore,
  SessionRecord,
  SessionStore,
  UserRecord,
  UserStore,
} from '../../domain/auth/accounts.js';
import type { Role } from '../../domain/auth/roles.js';
import type { Queryable } from '../../platform/db/database.js';

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  full_name: string;
  roles: Role[];
  is_active: boolean;
  failed_attempts: number;
  locked_until: Date | null;
  created_at: Date;
  last_login_at: Date | null;
}

const USER_COLUMNS =
  'id, email, password_hash, full_name, roles, is_active, failed_attempts, locked_until, created_at, last_login_at';

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    fullName: row.full_name,
    roles: row.roles,
    isActive: row.is_active,
    failedAttempts: row.failed_attempts,
    lockedUntil: row.locked_until,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
  };
}

const first = <T>(rows: T[]): T | null => rows[0] ?? null;

export class SqlUserStore implements UserStore {
  constructor(private readonly db: Queryable) {}

  async countWithRole(role: Role): Promise<number> {
    return (
      await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE $1 = ANY (roles)', [role])
    )[0]!.n;
  }

  /** Accounts locked out right now. */
  async countLocked(): Promise<number> {
    return (await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE locked_until > now()'))[0]!
      .n;
  }

  async insert(user: {
    id: string;
    email: string;
    passwordHash: string;
    fullName: string;
    roles: Role[];
  }): Promise<UserRecord> {
    const rows = await this.db.query<UserRow>(
      `INSERT INTO users (id, email, password_hash, full_name, roles) VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
      [user.id, user.email, user.passwordHash, user.fullName, user.roles],
    );
    return toUser(rows[0]!);
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    const row = first(
      await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE lower(email) = lower($1)`, [email]),
    );
    return row === null ? null : toUser(row);
  }

  async findById(id: string): Promise<UserRecord | null> {
    const row = first(await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]));
    return row === null ? null : toUser(row);
  }

  async list(limit: number, afterEmail: string | null): Promise<UserRecord[]> {
    const rows = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE ($1::text IS NULL OR lower(email) > lower($1)) ORDER BY lower(email) LIMIT $2`,
      [afterEmail, limit],
    );
    return rows.map(toUser);
  }

  async reserveAttempt(id: string, threshold: number, lockUntil: Date) {
    // One statement: concurrent attempts queue on the row lock, and each re-reads locked_until once it is theirs.
    const rows = await this.db.query<{ failed_attempts: number; locked_until: Date | null }>(
      `UPDATE users
          SET failed_attempts = CASE WHEN locked_until <= now() THEN 1 ELSE failed_attempts + 1 END,
              locked_until = CASE WHEN (CASE WHEN locked_until <= now() THEN 1 ELSE failed_attempts + 1 END) >= $2 THEN $3::timestamptz ELSE NULL END,
              updated_at = now()
        WHERE id = $1 AND (locked_until IS NULL OR locked_until <= now())
        RETURNING failed_attempts, locked_until`,
      [id, threshold, lockUntil],
    );
    if (rows[0] !== undefined)
      return { reserved: true as const, failedAttempts: rows[0].failed_attempts, lockedUntil: rows[0].locked_until };
    const locked = await this.db.query<{ locked_until: Date | null }>('SELECT locked_until FROM users WHERE id = $1', [
      id,
    ]);
    return { reserved: false as const, lockedUntil: locked[0]?.locked_until ?? lockUntil };
  }

  async recordLogin(id: string): Promise<void> {
    await this.db.query(
      'UPDATE users SET failed_attempts = 0, locked_until = NULL, last_login_at = now() WHERE id = $1',
      [id],
    );
  }

  async setRoles(id: string, roles: Role[]): Promise<UserRecord | null> {
    return this.update('roles = $2', [id, roles]);
  }

  async setActive(id: string, active: boolean): Promise<UserRecord | null> {
    return this.update('is_active = $2', [id, active]);
  }

  async unlock(id: string): Promise<UserRecord | null> {
    return this.update('failed_attempts = 0, locked_until = NULL', [id]);
  }

  async countActiveAdmins(): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM users WHERE is_active AND 'admin' = ANY (roles)`,
    );
    return rows[0]!.n;
  }

  private async update(assignments: string, params: unknown[]): Promise<UserRecord | null> {
    const row = first(
      await this.db.query<UserRow>(
        `UPDATE users SET ${assignments}, updated_at = now() WHERE id = $1 RETURNING ${USER_COLUMNS}`,
        params,
      ),
    );
    return row === null ? null : toUser(row);
  }
}

interface SessionRow {
  id: string;
  user_id: string;
  refresh_jti: string;
  expires_at: Date;
  revoked_at: Date | null;
}

export class SqlSessionStore implements SessionStore {
  constructor(private readonly db: Queryable) {}

  async insert(session: SessionRecord & { sourceIp: string | null; userAgent: string | null }): Promise<void> {
    await this.db.query(
      'INSERT INTO sessions (id, user_id, refresh_jti, expires_at, source_ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6)',
      [session.id, session.userId, session.refreshJti, session.expiresAt, session.sourceIp, session.userAgent],
    );
  }

  async findById(id: string): Promise<SessionRecord | null> {
    const row = first(
      await this.db.query<SessionRow>(
        'SELECT id, user_id, refresh_jti, expires_at, revoked_at FROM sessions WHERE id = $1',
        [id],
      ),
    );
    return row === null
      ? null
      : {
          id: row.id,
          userId: row.user_id,
          refreshJti: row.refresh_jti,
          expiresAt: row.expires_at,
          revokedAt: row.revoked_at,
        };
  }

  async rotate(id: string, expectedJti: string, nextJti: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE sessions SET refresh_jti = $3, last_refreshed_at = now()
        WHERE id = $1 AND refresh_jti = $2 AND revoked_at IS NULL AND expires_at > now() RETURNING id`,
      [id, expectedJti, nextJti],
    );
    return rows.length === 1;
  }

  async revoke(id: string, reason: string): Promise<void> {
    await this.db.query(
      'UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL',
      [id, reason],
    );
  }

  async revokeAllForUser(userId: string, reason: string): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      'UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id',
      [userId, reason],
    );
    return rows.map((row) => row.id);
  }

  async countLive(): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM sessions WHERE revoked_at IS NULL AND expires_at > now()',
    );
    return rows[0]!.n;
  }
}

interface ApiKeyRow {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  created_by: string | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const API_KEY_COLUMNS = 'id, user_id, name, prefix, created_by, created_at, expires_at, last_used_at, revoked_at';

function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export class SqlApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: Queryable) {}

  async insert(key: {
    id: string;
    userId: string;
    name: string;
    prefix: string;
    hash: string;
    createdBy: string | null;
    expiresAt: Date | null;
  }): Promise<ApiKeyRecord> {
    const rows = await this.db.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${API_KEY_COLUMNS}`,
      [key.id, key.userId, key.name, key.prefix, key.hash, key.createdBy, key.expiresAt],
    );
    return toApiKey(rows[0]!);
  }

  async list(userId: string | null): Promise<ApiKeyRecord[]> {
    const rows = await this.db.query<ApiKeyRow>(
      `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE ($1::uuid IS NULL OR user_id = $1) ORDER BY created_at DESC, id`,
      [userId],
    );
    return rows.map(toApiKey);
  }

  async revoke(id: string): Promise<ApiKeyRecord | null> {
    const row = first(
      await this.db.query<ApiKeyRow>(
        `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING ${API_KEY_COLUMNS}`,
        [id],
      ),
    );
    return row === null ? null : toApiKey(row);
  }
}
