import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Principal } from '../../domain/auth/principal.js';
import { admits, type AccessRule } from '../../domain/auth/roles.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { CsrfTokens } from '../../domain/auth/csrf.js';
import { AuthenticationError, ForbiddenError } from '../../domain/errors.js';

export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Builds the per-route hook that authenticates the caller, checks CSRF for cookie credentials, and enforces RBAC. */
export function accessHook(rule: AccessRule, authenticator: Authenticator, csrf: CsrfTokens): onRequestHookHandler {
  return async (request) => {
    if (rule === 'public') return;
    const principal = await authenticator.authenticate({ headers: request.headers, cookies: request.cookies });
    if (principal.via === 'cookie' && !SAFE_METHODS.has(request.method)) {
      const header = request.headers['x-csrf-token'];
      if (!csrf.verify(principal.sessionId!, typeof header === 'string' ? header : undefined)) {
        throw new ForbiddenError('Missing or invalid X-CSRF-Token for a cookie-authenticated request', 'CSRF_INVALID');
      }
    }
    if (!admits(rule, principal.roles)) {
      throw new ForbiddenError(`Requires one of the roles: ${(rule as readonly string[]).join(', ')}`);
    }
    request.principal = principal;
  };
}

/** The authenticated caller; for use in handlers of non-public routes. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new AuthenticationError();
  return request.principal;
}
