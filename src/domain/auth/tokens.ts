import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { isRole, type Role } from './roles.js';

export interface TokenSettings {
  secret: string;
  issuer: string;
  audience: string;
  accessTokenSeconds: number;
  refreshTokenSeconds: number;
}

export interface AccessClaims {
  sub: string;
  roles: Role[];
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

export interface RefreshClaims {
  sub: string;
  sid: string;
  jti: string;
  exp: number;
}

export type TokenFailure = 'expired' | 'invalid';

export class TokenVerificationError extends Error {
  constructor(
    readonly reason: TokenFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TokenVerificationError';
  }
}

/** Refresh tokens use their own audience so one can never be replayed as an access token, nor the reverse. */
const refreshAudience = (audience: string) => `${audience}:refresh`;

export class TokenService {
  private readonly key: Uint8Array;
  /**
   * Access tokens already verified, by their exact text. Agents reuse one token for many requests, and a cache hit
   * skips the HMAC and claim checks (the largest per-request auth cost); expiry is still checked on every hit and
   * revocation is checked by the caller every time.
   */
  private readonly verified = new LRUCache<string, AccessClaims>({ max: 10_000 });

  constructor(private readonly settings: TokenSettings) {
    this.key = new TextEncoder().encode(settings.secret);
  }

  get accessTokenSeconds(): number {
    return this.settings.accessTokenSeconds;
  }

  get refreshTokenSeconds(): number {
    return this.settings.refreshTokenSeconds;
  }

  async issueAccessToken(userId: string, roles: readonly Role[], sessionId: string): Promise<string> {
    return new SignJWT({ roles: [...roles], sid: sessionId, typ: 'access' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setJti(randomUUID())
      .setIssuedAt()
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setExpirationTime(`${this.settings.accessTokenSeconds}s`)
      .sign(this.key);
  }

  async issueRefreshToken(userId: string, sessionId: string, jti: string): Promise<string> {
    return new SignJWT({ sid: sessionId, typ: 'refresh' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setJti(jti)
      .setIssuedAt()
      .setIssuer(this.settings.issuer)
      .setAudience(refreshAudience(this.settings.audience))
      .setExpirationTime(`${this.settings.refreshTokenSeconds}s`)
      .sign(this.key);
  }

  async verifyAccessToken(token: string): Promise<AccessClaims> {
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (known.exp * 1000 > Date.now()) return known;
      this.verified.delete(token);
      throw new TokenVerificationError('expired', 'token has expired');
    }
    const payload = await this.verify(token, this.settings.audience, 'access');
    const roles = payload['roles'];
    if (!Array.isArray(roles) || !roles.every((role): role is Role => typeof role === 'string' && isRole(role))) {
      throw new TokenVerificationError('invalid', 'token roles claim is malformed');
    }
    const claims = {
      sub: payload.sub!,
      roles,
      sid: payload['sid'] as string,
      jti: payload.jti!,
      iat: payload.iat!,
      exp: payload.exp!,
    };
    this.verified.set(token, claims);
    return claims;
  }

  async verifyRefreshToken(token: string): Promise<RefreshClaims> {
    const payload = await this.verify(token, refreshAudience(this.settings.audience), 'refresh');
    return { sub: payload.sub!, sid: payload['sid'] as string, jti: payload.jti!, exp: payload.exp! };
  }

  private async verify(token: string, audience: string, type: string): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.settings.issuer,
        audience,
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new TokenVerificationError('expired', 'token has expired');
      throw new TokenVerificationError('invalid', 'token is invalid');
    }
    if (payload['typ'] !== type || typeof payload['sid'] !== 'string') {
      throw new TokenVerificationError('invalid', `not a ${type} token`);
    }
    return payload;
  }
}
