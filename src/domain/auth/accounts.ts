import type { GovernanceEvent } from '../audit/entry.js';
import { keysetPage, type Page } from '../pagination.js';
import { randomUUID } from 'node:crypto';
import { AuthenticationError, ConflictError, LockedError, NotFoundError, ValidationError } from '../errors.js';
import { generateApiKey } from './api-keys.js';
import type { PasswordHasher } from './password-hasher.js';
import { passwordProblems } from './password-policy.js';
import type { Role } from './roles.js';
import type { RefreshClaims, TokenService } from './tokens.js';

export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  fullName: string;
  roles: Role[];
  isActive: boolean;
  failedAttempts: number;
  lockedUntil: Date | null;
  createdAt: Date;
  lastLoginAt: Date | null;
}

export interface SessionRecord {
  id: string;
  userId: string;
  refreshJti: string;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface ApiKeyRecord {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface UserStore {
  insert(
    user: Omit<UserRecord, 'createdAt' | 'lastLoginAt' | 'failedAttempts' | 'lockedUntil' | 'isActive'>,
  ): Promise<UserRecord>;
  findByEmail(email: string): Promise<UserRecord | null>;
  findById(id: string): Promise<UserRecord | null>;
  list(limit: number, afterEmail: string | null): Promise<UserRecord[]>;
  /**
   * Counts a login attempt before its password is checked, atomically, unless the account is locked: the attempt
   * that reaches `threshold` locks it until lockUntil. A lock that has run out starts the count afresh. Null when
   * locked (with when it ends), so parallel guesses cannot all pass one check; a successful login resets the count.
   */
  reserveAttempt(
    id: string,
    threshold: number,
    lockUntil: Date,
  ): Promise<
    { reserved: true; failedAttempts: number; lockedUntil: Date | null } | { reserved: false; lockedUntil: Date }
  >;
  recordLogin(id: string): Promise<void>;
  setRoles(id: string, roles: Role[]): Promise<UserRecord | null>;
  setActive(id: string, active: boolean): Promise<UserRecord | null>;
  unlock(id: string): Promise<UserRecord | null>;
  countActiveAdmins(): Promise<number>;
}

export interface SessionStore {
  insert(session: SessionRecord & { sourceIp: string | null; userAgent: string | null }): Promise<void>;
  findById(id: string): Promise<SessionRecord | null>;
  /** Replaces the current refresh jti only if it is still expectedJti and the session is live (compare-and-set). */
  rotate(id: string, expectedJti: string, nextJti: string): Promise<boolean>;
  revoke(id: string, reason: string): Promise<void>;
  revokeAllForUser(userId: string, reason: string): Promise<string[]>;
  countLive(): Promise<number>;
}

export interface ApiKeyStore {
  insert(key: Omit<ApiKeyRecord, 'createdAt' | 'lastUsedAt' | 'revokedAt'> & { hash: string }): Promise<ApiKeyRecord>;
  list(userId: string | null): Promise<ApiKeyRecord[]>;
  revoke(id: string): Promise<ApiKeyRecord | null>;
}

/** What the account logic needs from the outside world besides storage. */
export interface AccountEffects {
  audit(event: GovernanceEvent): Promise<void>;
  revokeSessions(sessionIds: string[]): Promise<void>;
  forgetApiKey(prefix: string): Promise<void>;
  /** Drops what credentials know of a user's roles and standing, so a change applies to their next request. */
  forgetUser(userId: string): Promise<void>;
  /**
   * Logins for emails with no account, counted (before the decoy password check, like real accounts' attempts)
   * outside the users table so they lock out just the same; returns the count including this one.
   */
  countUnknownFailure(email: string, windowSeconds: number): Promise<number>;
  loginAttempted(): void;
  loginSucceeded(): void;
  loginFailed(sourceIp: string, reason: string, email: string): void;
}

export interface LockoutPolicy {
  threshold: number;
  minutes: number;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  sessionId: string;
}

export interface ClientInfo {
  sourceIp: string;
  userAgent: string | null;
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Registration, login with lockout, refresh-token rotation with reuse detection, and user/key administration. */
/** Roles of machine identities, the only ones that hold API keys. */
const MACHINE_ROLES: readonly Role[] = ['agent', 'service'];

export class Accounts {
  constructor(
    private readonly users: UserStore,
    private readonly sessions: SessionStore,
    private readonly apiKeys: ApiKeyStore,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly lockout: LockoutPolicy,
    private readonly effects: AccountEffects,
  ) {}

  async register(
    input: { email: string; password: string; fullName: string; roles?: Role[] },
    actorId: string | null = null,
  ): Promise<UserRecord> {
    const email = normalizeEmail(input.email);
    const fullName = input.fullName.trim();
    if (fullName.length === 0) throw new ValidationError('full_name must not be blank');
    const problems = passwordProblems(input.password, email);
    if (problems.length > 0) throw new ValidationError(`password ${problems.join('; ')}`, 'WEAK_PASSWORD');
    if ((await this.users.findByEmail(email)) !== null)
      throw new ConflictError('An account with this email already exists', 'EMAIL_TAKEN');
    const passwordHash = await this.hasher.hash(input.password);
    let user: UserRecord;
    try {
      user = await this.users.insert({ id: randomUUID(), email, passwordHash, fullName, roles: input.roles ?? [] });
    } catch (error) {
      if (error instanceof ConflictError)
        throw new ConflictError('An account with this email already exists', 'EMAIL_TAKEN', { cause: error });
      throw error;
    }
    await this.effects.audit({
      userId: actorId ?? user.id,
      action: 'auth.register',
      resource: `user:${user.id}`,
      details: { email, roles: user.roles },
    });
    return user;
  }

  async login(
    username: string,
    password: string,
    client: ClientInfo,
  ): Promise<{ user: UserRecord; tokens: IssuedTokens }> {
    this.effects.loginAttempted();
    const email = normalizeEmail(username);
    const user = await this.users.findByEmail(email);
    const now = new Date();
    if (user === null) {
      if ((await this.effects.countUnknownFailure(email, this.lockout.minutes * 60)) > this.lockout.threshold)
        throw this.lockedError(this.lockout.minutes * 60);
      await this.hasher.verifyAgainstDecoy(password);
      return this.fail(client, 'unknown_user', email, null);
    }
    const attempt = await this.users.reserveAttempt(
      user.id,
      this.lockout.threshold,
      new Date(now.getTime() + this.lockout.minutes * 60_000),
    );
    if (!attempt.reserved) {
      await this.effects.audit({
        userId: user.id,
        action: 'auth.login_failed',
        resource: `user:${user.id}`,
        details: { reason: 'locked', source_ip: client.sourceIp },
      });
      this.effects.loginFailed(client.sourceIp, 'locked', email);
      throw this.lockedError((attempt.lockedUntil.getTime() - now.getTime()) / 1000);
    }
    const passwordOk = await this.hasher.verify(password, user.passwordHash);
    if (!passwordOk) {
      if (attempt.lockedUntil !== null && attempt.failedAttempts === this.lockout.threshold) {
        await this.effects.audit({
          userId: user.id,
          action: 'auth.lockout',
          resource: `user:${user.id}`,
          details: { failed_attempts: attempt.failedAttempts, locked_until: attempt.lockedUntil.toISOString() },
        });
      }
      return this.fail(client, 'wrong_password', email, user.id);
    }
    if (!user.isActive) return this.fail(client, 'inactive', email, user.id);
    await this.users.recordLogin(user.id);
    const tokens = await this.startSession(user, client);
    this.effects.loginSucceeded();
    await this.effects.audit({
      userId: user.id,
      action: 'auth.login',
      resource: `user:${user.id}`,
      details: { session_id: tokens.sessionId, source_ip: client.sourceIp },
    });
    return { user, tokens };
  }

  /** Verifies a refresh token's signature and expiry (not whether its session is still live). */
  async readRefreshToken(refreshToken: string): Promise<RefreshClaims> {
    try {
      return await this.tokens.verifyRefreshToken(refreshToken);
    } catch {
      throw new AuthenticationError('Refresh token is invalid or expired', 'INVALID_TOKEN');
    }
  }

  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const claims = await this.readRefreshToken(refreshToken);
    const session = await this.sessions.findById(claims.sid);
    if (
      session === null ||
      session.revokedAt !== null ||
      session.expiresAt <= new Date() ||
      session.userId !== claims.sub
    ) {
      throw new AuthenticationError('Session has ended; log in again', 'TOKEN_REVOKED');
    }
    const user = await this.users.findById(session.userId);
    if (user === null || !user.isActive)
      throw new AuthenticationError('Session has ended; log in again', 'TOKEN_REVOKED');
    const nextJti = randomUUID();
    const rotated = session.refreshJti === claims.jti && (await this.sessions.rotate(session.id, claims.jti, nextJti));
    if (!rotated) {
      // A refresh token that was already rotated is being replayed: someone holds a copy. End the whole family.
      await this.sessions.revoke(session.id, 'refresh_token_reuse');
      await this.effects.revokeSessions([session.id]);
      await this.effects.audit({
        userId: user.id,
        action: 'auth.refresh_reuse',
        resource: `session:${session.id}`,
        details: { revoked: true },
      });
      throw new AuthenticationError(
        'Refresh token was already used; the session has been revoked',
        'REFRESH_TOKEN_REUSED',
      );
    }
    await this.effects.audit({ userId: user.id, action: 'auth.refresh', resource: `session:${session.id}` });
    return {
      accessToken: await this.tokens.issueAccessToken(user.id, user.roles, session.id),
      refreshToken: await this.tokens.issueRefreshToken(user.id, session.id, nextJti),
      expiresIn: this.tokens.accessTokenSeconds,
      sessionId: session.id,
    };
  }

  async logout(userId: string, sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId, 'logout');
    await this.effects.revokeSessions([sessionId]);
    await this.effects.audit({ userId, action: 'auth.logout', resource: `session:${sessionId}` });
  }

  async requireUser(id: string): Promise<UserRecord> {
    const user = await this.users.findById(id);
    if (user === null) throw new NotFoundError('User not found', 'USER_NOT_FOUND');
    return user;
  }

  listUsers(limit: number, afterEmail: string | null): Promise<Page<UserRecord>> {
    return keysetPage(
      limit,
      (rows) => this.users.list(rows, afterEmail),
      (last) => last.email,
    );
  }

  async setRoles(actorId: string, userId: string, roles: Role[]): Promise<UserRecord> {
    const before = await this.requireUser(userId);
    const unique = [...new Set(roles)];
    if (before.roles.includes('admin') && !unique.includes('admin') && before.isActive) await this.guardLastAdmin();
    const user = (await this.users.setRoles(userId, unique))!;
    await this.effects.forgetUser(userId);
    // Tokens carry roles; revoking the user's sessions makes the change bite now rather than at token expiry.
    await this.effects.revokeSessions(await this.sessions.revokeAllForUser(userId, 'roles_changed'));
    await this.effects.audit({
      userId: actorId,
      action: 'auth.roles_changed',
      resource: `user:${userId}`,
      details: { from: before.roles, to: unique },
    });
    return user;
  }

  async setActive(actorId: string, userId: string, active: boolean): Promise<UserRecord> {
    const before = await this.requireUser(userId);
    if (!active && before.isActive && before.roles.includes('admin')) await this.guardLastAdmin();
    const user = (await this.users.setActive(userId, active))!;
    await this.effects.forgetUser(userId);
    // The user's state was forgotten above, so their tokens and keys stop (or start) working on the next request.
    if (!active) await this.effects.revokeSessions(await this.sessions.revokeAllForUser(userId, 'deactivated'));
    await this.effects.audit({
      userId: actorId,
      action: active ? 'auth.user_reactivated' : 'auth.user_deactivated',
      resource: `user:${userId}`,
    });
    return user;
  }

  async unlock(actorId: string, userId: string): Promise<UserRecord> {
    await this.requireUser(userId);
    const user = (await this.users.unlock(userId))!;
    await this.effects.audit({ userId: actorId, action: 'auth.user_unlocked', resource: `user:${userId}` });
    return user;
  }

  async createApiKey(
    actorId: string,
    input: { userId: string; name: string; expiresInDays: number | null },
  ): Promise<{ record: ApiKeyRecord; key: string }> {
    const owner = await this.requireUser(input.userId);
    if (!owner.roles.some((role) => MACHINE_ROLES.includes(role)))
      throw new ValidationError('API keys are issued to users with the agent or service role', 'NOT_AN_AGENT');
    if (!owner.isActive) throw new ValidationError('The user is deactivated', 'USER_INACTIVE');
    const generated = generateApiKey();
    const expiresAt = input.expiresInDays === null ? null : new Date(Date.now() + input.expiresInDays * 86_400_000);
    const record = await this.apiKeys.insert({
      id: randomUUID(),
      userId: owner.id,
      name: input.name.trim(),
      prefix: generated.prefix,
      hash: generated.hash,
      createdBy: actorId,
      expiresAt,
    });
    await this.effects.audit({
      userId: actorId,
      action: 'auth.api_key_created',
      resource: `api_key:${record.id}`,
      details: { owner: owner.id, name: record.name, prefix: record.prefix },
    });
    return { record, key: generated.key };
  }

  listApiKeys(userId: string | null): Promise<ApiKeyRecord[]> {
    return this.apiKeys.list(userId);
  }

  async revokeApiKey(actorId: string, keyId: string): Promise<void> {
    const record = await this.apiKeys.revoke(keyId);
    if (record === null) throw new NotFoundError('API key not found or already revoked', 'API_KEY_NOT_FOUND');
    await this.effects.forgetApiKey(record.prefix);
    await this.effects.audit({
      userId: actorId,
      action: 'auth.api_key_revoked',
      resource: `api_key:${keyId}`,
      details: { owner: record.userId, prefix: record.prefix },
    });
  }

  private async startSession(user: UserRecord, client: ClientInfo): Promise<IssuedTokens> {
    const sessionId = randomUUID();
    const refreshJti = randomUUID();
    const expiresAt = new Date(Date.now() + this.tokens.refreshTokenSeconds * 1000);
    await this.sessions.insert({
      id: sessionId,
      userId: user.id,
      refreshJti,
      expiresAt,
      revokedAt: null,
      sourceIp: client.sourceIp,
      userAgent: client.userAgent,
    });
    return {
      accessToken: await this.tokens.issueAccessToken(user.id, user.roles, sessionId),
      refreshToken: await this.tokens.issueRefreshToken(user.id, sessionId, refreshJti),
      expiresIn: this.tokens.accessTokenSeconds,
      sessionId,
    };
  }

  private async fail(client: ClientInfo, reason: string, email: string, userId: string | null): Promise<never> {
    this.effects.loginFailed(client.sourceIp, reason, email);
    await this.effects.audit({
      userId,
      action: 'auth.login_failed',
      resource: userId === null ? `email:${email}` : `user:${userId}`,
      details: { reason, source_ip: client.sourceIp },
    });
    throw new AuthenticationError('Incorrect email or password', 'INVALID_CREDENTIALS');
  }

  private lockedError(retryAfterSeconds: number): LockedError {
    return new LockedError('Too many failed logins; the account is locked for a while', retryAfterSeconds);
  }

  private async guardLastAdmin(): Promise<void> {
    if ((await this.users.countActiveAdmins()) <= 1)
      throw new ConflictError('This would leave the system without an active admin', 'LAST_ADMIN');
  }
}
