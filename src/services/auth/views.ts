import type { ApiKeyRecord, IssuedTokens, UserRecord } from '../../domain/auth/accounts.js';
import { isoOrNull } from '../../platform/http/iso-time.js';

export function userView(user: UserRecord) {
  return {
    id: user.id,
    email: user.email,
    full_name: user.fullName,
    roles: user.roles,
    is_active: user.isActive,
    locked_until: user.lockedUntil !== null && user.lockedUntil > new Date() ? user.lockedUntil.toISOString() : null,
    created_at: user.createdAt.toISOString(),
    last_login_at: isoOrNull(user.lastLoginAt),
  };
}

export function apiKeyView(key: ApiKeyRecord) {
  return {
    id: key.id,
    user_id: key.userId,
    name: key.name,
    prefix: key.prefix,
    created_by: key.createdBy,
    created_at: key.createdAt.toISOString(),
    expires_at: isoOrNull(key.expiresAt),
    revoked_at: isoOrNull(key.revokedAt),
  };
}

export const tokenView = (tokens: IssuedTokens) => ({
  access_token: tokens.accessToken,
  refresh_token: tokens.refreshToken,
  token_type: 'bearer' as const,
  expires_in: tokens.expiresIn,
});
