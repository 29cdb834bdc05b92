import type { IncomingHttpHeaders } from 'node:http';
import { looksLikeApiKey } from '../../domain/auth/api-keys.js';
import type { Principal } from '../../domain/auth/principal.js';
import { TokenVerificationError, type TokenService } from '../../domain/auth/tokens.js';
import { AuthenticationError } from '../../domain/errors.js';
import type { ApiKeyDirectory } from './api-key-directory.js';
import type { RevocationList } from './revocations.js';
import type { UserStates } from './user-states.js';

export const ACCESS_COOKIE = 'acgs_access';
export const REFRESH_COOKIE = 'acgs_refresh';
/** The session's CSRF token, readable by the page: see the auth service's session routes. */
export const CSRF_COOKIE = 'acgs_csrf';

export interface CredentialSource {
  headers: IncomingHttpHeaders;
  cookies: Record<string, string | undefined>;
}

/** Turns a request's credential (Bearer JWT, API key, or access cookie) into a Principal, entirely locally. */
export class Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly apiKeys: ApiKeyDirectory,
    private readonly revocations: RevocationList,
    private readonly users: UserStates,
  ) {}

  async authenticate(source: CredentialSource): Promise<Principal> {
    const authorization = source.headers.authorization;
    const apiKeyHeader = source.headers['x-api-key'];
    if (typeof apiKeyHeader === 'string' && apiKeyHeader.length > 0) return this.fromApiKey(apiKeyHeader);
    if (typeof authorization === 'string') {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (match === null)
        throw new AuthenticationError('Authorization header must be "Bearer <token>"', 'INVALID_TOKEN');
      const credential = match[1]!;
      return looksLikeApiKey(credential) ? this.fromApiKey(credential) : this.fromJwt(credential, 'bearer');
    }
    const cookie = source.cookies[ACCESS_COOKIE];
    if (cookie !== undefined && cookie.length > 0) return this.fromJwt(cookie, 'cookie');
    throw new AuthenticationError();
  }

  private async fromJwt(token: string, via: 'bearer' | 'cookie'): Promise<Principal> {
    let claims;
    try {
      claims = await this.tokens.verifyAccessToken(token);
    } catch (error) {
      if (error instanceof TokenVerificationError && error.reason === 'expired') {
        throw new AuthenticationError('Access token has expired', 'TOKEN_EXPIRED', { cause: error });
      }
      throw new AuthenticationError('Access token is invalid', 'INVALID_TOKEN', { cause: error });
    }
    const [revoked, state] = await Promise.all([
      this.revocations.isRevoked(claims.sid),
      this.users.current(claims.sub),
    ]);
    if (revoked || state === null || !state.active) {
      throw new AuthenticationError('Access token has been revoked', 'TOKEN_REVOKED');
    }
    // A role taken away since the token was issued is gone now, not when the token expires.
    const roles = claims.roles.filter((role) => state.roles.includes(role));
    return { userId: claims.sub, roles, via, sessionId: claims.sid, apiKeyId: null, tokenId: claims.jti };
  }

  private async fromApiKey(key: string): Promise<Principal> {
    const identity = await this.apiKeys.resolve(key);
    const state = identity === null ? null : await this.users.current(identity.userId);
    if (identity === null || state === null || !state.active) {
      throw new AuthenticationError('API key is invalid or revoked', 'INVALID_API_KEY');
    }
    // The key's owner's roles as they are now: the key record is cached far longer than a role change may take.
    return {
      userId: identity.userId,
      roles: state.roles,
      via: 'api_key',
      sessionId: null,
      apiKeyId: identity.keyId,
      tokenId: null,
    };
  }
}
