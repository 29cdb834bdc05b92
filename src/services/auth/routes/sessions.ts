import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts, IssuedTokens } from '../../../domain/auth/accounts.js';
import { AuthenticationError, ForbiddenError, ValidationError } from '../../../domain/errors.js';
import { ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE } from '../../../platform/auth/authenticator.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp, ServiceContext } from '../../../platform/http/server.js';
import * as S from '../schemas.js';
import { tokenView, userView } from '../views.js';

/** Accounts and sessions: register, log in, refresh, log out, who am I, CSRF tokens. */
export function registerSessionRoutes(app: ServiceApp, { platform }: ServiceContext, accounts: Accounts): void {
  const { config } = platform;
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
    // Readable by the page (not HttpOnly) so a console reloaded after its access token expired can still send
    // X-CSRF-Token with its cookie refresh; SameSite=Strict keeps other sites from reading or sending it, and the
    // token is worthless without the session's HttpOnly cookies.
    reply.setCookie(CSRF_COOKIE, platform.csrf.issue(tokens.sessionId), {
      path: '/',
      httpOnly: false,
      sameSite: 'strict',
      secure: secureCookies,
      maxAge: platform.tokens.refreshTokenSeconds,
    });
  }
  function clearSessionCookies(reply: FastifyReply): void {
    reply.clearCookie(ACCESS_COOKIE, { path: '/' });
    reply.clearCookie(REFRESH_COOKIE, { path: '/auth' });
    reply.clearCookie(CSRF_COOKIE, { path: '/' });
  }

  /** A refresh token from the body, or from the cookie, in which case the request must prove it is not forged. */
  async function refreshTokenFrom(request: FastifyRequest, fromBody: string | undefined): Promise<string> {
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

  app.post(
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

  app.post(
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
        sourceIp: request.clientIp,
        userAgent: request.headers['user-agent'] ?? null,
      });
      setSessionCookies(reply, tokens);
      return tokenView(tokens);
    },
  );

  app.post(
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
      const tokens = await accounts.refresh(await refreshTokenFrom(request, request.body.refresh_token));
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
      return reply.status(204).send(null);
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
}
