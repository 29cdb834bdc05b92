import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ApiKeyRecord, type IssuedTokens, type UserRecord } from '../../domain/auth/accounts.js';
import { ACCESS_COOKIE, REFRESH_COOKIE } from '../../platform/auth/authenticator.js';
import { ForbiddenError, ValidationError, AuthenticationError } from '../../domain/errors.js';
import { principalOf } from '../../platform/http/access.js';
import { checkHealth, registerHealthRoute } from '../../platform/http/health.js';
import { errorResponses, UuidParam } from '../../platform/http/schemas.js';
import type { ServiceContext } from '../../platform/http/server.js';
import { createAuthMetrics, summarizeAuthMetrics } from './auth-metrics.js';
import { buildAccounts } from './accounts-factory.js';
import { SqlSessionStore } from './repositories.js';
import * as S from './schemas.js';
import { isoOrNull } from '../../platform/http/iso-time.js';

function userView(user: UserRecord) {
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

function apiKeyView(key: ApiKeyRecord) {
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

const ADMIN = ['admin'] as const;

export async function registerAuthRoutes(app: FastifyInstance, { platform, metrics }: ServiceContext): Promise<void> {
  const { db, config } = platform;
  const sessions = new SqlSessionStore(db);
  const authMetrics = createAuthMetrics(metrics.registry, () => sessions.countLive());
  const log = app.log;
  app.addSchema(S.User);
  const accounts = buildAccounts(platform, {
    loginAttempted: () => authMetrics.attempts.inc(),
    loginSucceeded: () => authMetrics.successes.inc(),
    loginFailed: (sourceIp, reason, email) => {
      authMetrics.failures.inc({ source_ip: sourceIp });
      log.warn(
        { source_ip: sourceIp, reason, email },
        `authentication failed for ${email} from ${sourceIp}: ${reason}`,
      );
    },
  });

  const secureCookies = config.environment === 'production';
  function setSessionCookies(reply: FastifyReply, tokens: IssuedTokens): void {
    reply.setCookie(ACCESS_COOKIE, tokens.accessToken, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: secureCookies,
      maxAge: tokens.expiresIn,
    });
    reply.setCookie(REFRESH_COOKIE, tokens.refreshToken, {
      path: '/auth',
      httpOnly: true,
      sameSite: 'strict',
      secure: secureCookies,
      maxAge: platform.tokens.refreshTokenSeconds,
    });
  }
  function clearSessionCookies(reply: FastifyReply): void {
    reply.clearCookie(ACCESS_COOKIE, { path: '/' });
    reply.clearCookie(REFRESH_COOKIE, { path: '/auth' });
  }
  const tokenView = (tokens: IssuedTokens) => ({
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken,
    token_type: 'bearer' as const,
    expires_in: tokens.expiresIn,
  });

  /** A refresh token from the body, or from the cookie, in which case the request must prove it is not forged. */
  async function refreshTokenFrom(
    request: FastifyRequest<{ Body: Static<typeof S.RefreshBody> | undefined }>,
  ): Promise<string> {
    const fromBody = request.body?.refresh_token;
    if (fromBody !== undefined) return fromBody;
    const fromCookie = request.cookies[REFRESH_COOKIE];
    if (fromCookie === undefined || fromCookie.length === 0)
      throw new AuthenticationError('No refresh token in body or cookie', 'REFRESH_TOKEN_MISSING');
    const sessionId = (await accounts.readRefreshToken(fromCookie)).sid;
    const header = request.headers['x-csrf-token'];
    if (!platform.csrf.verify(sessionId, typeof header === 'string' ? header : undefined)) {
      throw new ForbiddenError('Missing or invalid X-CSRF-Token for a cookie-authenticated request', 'CSRF_INVALID');
    }
    return fromCookie;
  }

  const loginLimit =
    config.auth.loginRateLimitPerMinute > 0 && config.http.rateLimitPerMinute > 0
      ? { max: config.auth.loginRateLimitPerMinute, timeWindow: 60_000 }
      : false;

  app.post<{ Body: Static<typeof S.RegisterBody> }>(
    '/auth/register',
    {
      config: { access: 'public', rateLimit: loginLimit },
      schema: {
        tags: ['auth'],
        summary: 'Create an account (no roles until an admin grants them)',
        body: S.RegisterBody,
        response: { 201: Type.Ref(S.User), ...errorResponses(400, 409, 429) },
      },
    },
    async (request, reply) => {
      const user = await accounts.register({
        email: request.body.email,
        password: request.body.password,
        fullName: request.body.full_name,
      });
      return reply.status(201).send(userView(user));
    },
  );

  app.post<{ Body: Static<typeof S.LoginBody> }>(
    '/auth/login',
    {
      config: { access: 'public', rateLimit: loginLimit, maintenanceExempt: true },
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password',
        body: S.LoginBody,
        response: { 200: S.TokenPair, ...errorResponses(400, 401, 423, 429) },
      },
    },
    async (request, reply) => {
      const { tokens } = await accounts.login(request.body.username, request.body.password, {
        sourceIp: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      setSessionCookies(reply, tokens);
      return tokenView(tokens);
    },
  );

  app.post<{ Body: Static<typeof S.RefreshBody> | undefined }>(
    '/auth/refresh',
    {
      config: { access: 'public', maintenanceExempt: true },
      // A browser refreshing by cookie sends no body at all; treat that as an empty object.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new pair (each refresh token works once)',
        body: S.RefreshBody,
        response: { 200: S.TokenPair, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const tokens = await accounts.refresh(await refreshTokenFrom(request));
      setSessionCookies(reply, tokens);
      return tokenView(tokens);
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: 'authenticated', maintenanceExempt: true },
      schema: {
        tags: ['auth'],
        summary: 'End the current session',
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.sessionId === null)
        throw new ValidationError('API keys have no session; revoke the key instead', 'NO_SESSION');
      await accounts.logout(principal.userId, principal.sessionId);
      clearSessionCookies(reply);
      return reply.status(204).send();
    },
  );

  app.get(
    '/auth/me',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'The calling user',
        response: { 200: Type.Ref(S.User), ...errorResponses(401) },
      },
    },
    async (request) => userView(await accounts.requireUser(principalOf(request).userId)),
  );

  app.get(
    '/auth/csrf-token',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'A CSRF token bound to the current session, for X-CSRF-Token',
        response: { 200: Type.Object({ csrf_token: Type.String() }), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.sessionId === null)
        throw new ValidationError('API keys have no session and need no CSRF token', 'NO_SESSION');
      return { csrf_token: platform.csrf.issue(principal.sessionId) };
    },
  );

  registerHealthRoute(app, platform, 'auth', metrics, '/auth/health');

  app.get(
    '/auth/health/detailed',
    {
      config: { access: 'public', rateLimit: false },
      schema: {
        tags: ['operations'],
        summary: 'Health with pool, cache and session figures',
        response: { 200: S.DetailedHealthView, 503: S.DetailedHealthView },
      },
    },
    async (_request, reply) => {
      const health = await checkHealth(platform, 'auth', app.healthContributors);
      const pool = db.stats();
      const live = health.checks.database.status === 'up' ? await sessions.countLive() : null;
      return reply.status(health.status === 'unhealthy' ? 503 : 200).send({
        ...health,
        database_pool: { open: pool.open, idle: pool.idle, waiting: pool.waiting, max: pool.max },
        active_sessions: live,
        token_settings: {
          access_token_seconds: platform.tokens.accessTokenSeconds,
          refresh_token_seconds: platform.tokens.refreshTokenSeconds,
        },
        lockout: { threshold: config.auth.lockoutThreshold, minutes: config.auth.lockoutMinutes },
      });
    },
  );

  app.get(
    '/auth/metrics/auth',
    {
      config: { access: ['admin', 'auditor'] },
      schema: {
        tags: ['operations'],
        summary: 'Login figures since start and live sessions',
        response: { 200: S.AuthFiguresView, ...errorResponses(401, 403) },
      },
    },
    async () => {
      const [summary, live, locked] = await Promise.all([
        summarizeAuthMetrics(authMetrics),
        sessions.countLive(),
        db.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE locked_until > now()'),
      ]);
      return {
        ...summary,
        active_sessions: live,
        locked_accounts: locked[0]!.n,
        since: new Date(platform.startedAt).toISOString(),
      };
    },
  );

  app.get<{ Querystring: Static<typeof S.UserListQuery> }>(
    '/auth/users',
    {
      config: { access: ADMIN },
      schema: {
        tags: ['users'],
        summary: 'List users by email, cursor-paginated',
        querystring: S.UserListQuery,
        response: {
          200: Type.Object({
            items: Type.Array(Type.Ref(S.User)),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const page = await accounts.listUsers(request.query.limit ?? 50, request.query.cursor ?? null);
      return { ...page, items: page.items.map(userView) };
    },
  );

  app.get<{ Params: Static<typeof UuidParam> }>(
    '/auth/users/:id',
    {
      config: { access: ADMIN },
      schema: {
        tags: ['users'],
        summary: 'One user',
        params: UuidParam,
        response: { 200: Type.Ref(S.User), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => userView(await accounts.requireUser(request.params.id)),
  );

  app.put<{ Params: Static<typeof UuidParam>; Body: Static<typeof S.RolesBody> }>(
    '/auth/users/:id/roles',
    {
      config: { access: ADMIN },
      schema: {
        tags: ['users'],
        summary: "Replace a user's roles (ends their sessions so the change applies now)",
        params: UuidParam,
        body: S.RolesBody,
        response: { 200: Type.Ref(S.User), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      userView(await accounts.setRoles(principalOf(request).userId, request.params.id, request.body.roles)),
  );

  for (const [action, active] of [
    ['deactivate', false],
    ['reactivate', true],
  ] as const) {
    app.post<{ Params: Static<typeof UuidParam> }>(
      `/auth/users/:id/${action}`,
      {
        config: { access: ADMIN },
        schema: {
          tags: ['users'],
          summary: active ? 'Reactivate a user' : 'Deactivate a user: every token of theirs stops working at once',
          params: UuidParam,
          response: { 200: Type.Ref(S.User), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => userView(await accounts.setActive(principalOf(request).userId, request.params.id, active)),
    );
  }

  app.post<{ Params: Static<typeof UuidParam> }>(
    '/auth/users/:id/unlock',
    {
      config: { access: ADMIN },
      schema: {
        tags: ['users'],
        summary: 'Clear a lockout',
        params: UuidParam,
        response: { 200: Type.Ref(S.User), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => userView(await accounts.unlock(principalOf(request).userId, request.params.id)),
  );

  app.post<{ Body: Static<typeof S.CreateApiKeyBody> }>(
    '/auth/api-keys',
    {
      config: { access: ADMIN },
      schema: {
        tags: ['api-keys'],
        summary: 'Issue an API key to an agent user; the key is shown only in this response',
        body: S.CreateApiKeyBody,
        response: {
          201: Type.Intersect([S.ApiKey, Type.Object({ key: Type.String() })]),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { record, key } = await accounts.createApiKey(principalOf(request).userId, {
        userId: request.body.user_id,
        name: request.body.name,
        expiresInDays: request.body.expires_in_days ?? null,
      });
      return reply.status(201).send({ ...apiKeyView(record), key });
    },
  );

  app.get<{ Querystring: Static<typeof S.ApiKeyListQuery> }>(
    '/auth/api-keys',
    {
      config: { access: ADMIN },
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys (never the keys themselves)',
        querystring: S.ApiKeyListQuery,
        response: { 200: Type.Object({ items: Type.Array(S.ApiKey) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ items: (await accounts.listApiKeys(request.query.user_id ?? null)).map(apiKeyView) }),
  );

  app.delete<{ Params: Static<typeof UuidParam> }>(
    '/auth/api-keys/:id',
    {
      config: { access: ADMIN },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key',
        params: UuidParam,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await accounts.revokeApiKey(principalOf(request).userId, request.params.id);
      return reply.status(204).send();
    },
  );
}
