import { apiKeyIssuer } from '../../src/platform/auth/api-key-directory.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  backends,
  bearer,
  createTestApp,
  createTestPlatform,
  createUser,
  login,
  STRONG_PASSWORD,
  userWithRoles,
  type TestPlatform,
  cleanupAfter,
} from '../support/harness.js';

for (const backend of await backends()) {
  describe(`auth flows on ${backend}`, () => {
    let env: TestPlatform;
    let app: FastifyInstance;

    before(async () => {
      env = await createTestPlatform(backend);
      app = await createTestApp('auth', env.platform);
    });
    after(async () => {
      await app.close();
      await env.cleanup();
    });

    const auditActions = async (resourceLike: string) =>
      (
        await env.platform.db.query<{ action: string }>(
          'SELECT action FROM audit_logs WHERE resource LIKE $1 ORDER BY id',
          [resourceLike],
        )
      ).map((row) => row.action);

    it('registers, logs in, reads /me, and never exposes the hash', async () => {
      const register = await app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email: 'Ann@Example.com', password: STRONG_PASSWORD, full_name: 'Ann' },
      });
      assert.equal(register.statusCode, 201, register.body);
      const user = register.json();
      assert.equal(user.email, 'ann@example.com');
      assert.deepEqual(user.roles, []);
      assert.equal(user.password_hash, undefined);
      assert.ok(!register.body.includes('$2b$'));
      const stored = await env.platform.db.query<{ password_hash: string }>(
        'SELECT password_hash FROM users WHERE id = $1',
        [user.id],
      );
      assert.match(stored[0]!.password_hash, /^\$2b\$10\$/);

      const duplicate = await app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email: 'ANN@example.com', password: STRONG_PASSWORD, full_name: 'Ann again' },
      });
      assert.equal(duplicate.statusCode, 409);
      assert.equal(duplicate.json().error_code, 'EMAIL_TAKEN');

      const response = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: 'ann@example.com', password: STRONG_PASSWORD },
      });
      assert.equal(response.statusCode, 200, response.body);
      const tokens = response.json();
      assert.equal(tokens.token_type, 'bearer');
      assert.equal(tokens.expires_in, 900);
      const refreshCookie = response.cookies.find((cookie) => cookie.name === 'acgs_refresh');
      assert.ok(refreshCookie?.httpOnly);
      assert.equal(refreshCookie?.sameSite, 'Strict');
      assert.equal(refreshCookie?.value, tokens.refresh_token);

      const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(tokens.access_token) });
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().id, user.id);
      assert.ok(me.json().last_login_at);
      assert.deepEqual(await auditActions(`user:${user.id}`), ['auth.register', 'auth.login']);
    });

    it('rejects weak passwords with the reasons', async () => {
      for (const password of ['short', 'password1234', 'bobsmith-is-my-password']) {
        const response = await app.inject({
          method: 'POST',
          url: '/auth/register',
          payload: { email: 'bobsmith@example.com', password, full_name: 'Bob' },
        });
        assert.equal(response.statusCode, 400, password);
        assert.equal(response.json().error_code, 'WEAK_PASSWORD');
      }
      assert.equal((await env.platform.db.query(`SELECT 1 FROM users WHERE email = 'bobsmith@example.com'`)).length, 0);
    });

    it('answers unknown user and wrong password alike, and logs the failure with the source IP', async () => {
      const user = await createUser(env.platform);
      const unknown = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: 'nobody@example.com', password: STRONG_PASSWORD },
        remoteAddress: '10.1.2.3',
      });
      const wrong = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: user.email, password: 'Wrong-password-123' },
        remoteAddress: '10.1.2.3',
      });
      assert.equal(unknown.statusCode, 401);
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.json().error_code, 'INVALID_CREDENTIALS');
      assert.equal(unknown.json().detail, wrong.json().detail);
      const lines = env.logs.filter(
        (line) => String(line['msg']).includes('authentication failed') && line['source_ip'] === '10.1.2.3',
      );
      assert.equal(lines.length, 2);
      assert.ok(lines.every((line) => line['level'] === 40));
      assert.deepEqual(lines.map((line) => line['reason']).sort(), ['unknown_user', 'wrong_password']);
    });

    it('refresh rotates; replaying a rotated token revokes the whole family', async () => {
      const user = await createUser(env.platform);
      const session = await login(app, user.email);
      const first = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refresh_token: session.refreshToken },
      });
      assert.equal(first.statusCode, 200, first.body);
      const rotated = first.json();
      assert.notEqual(rotated.refresh_token, session.refreshToken);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(rotated.access_token) })).statusCode,
        200,
      );

      const replay = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refresh_token: session.refreshToken },
      });
      assert.equal(replay.statusCode, 401);
      assert.equal(replay.json().error_code, 'REFRESH_TOKEN_REUSED');
      const afterReuse = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refresh_token: rotated.refresh_token },
      });
      assert.equal(afterReuse.statusCode, 401);
      const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(rotated.access_token) });
      assert.equal(me.statusCode, 401);
      assert.equal(me.json().error_code, 'TOKEN_REVOKED');
      const sessionRow = await env.platform.db.query<{ revoked_reason: string }>(
        'SELECT revoked_reason FROM sessions WHERE user_id = $1',
        [user.id],
      );
      assert.equal(sessionRow[0]!.revoked_reason, 'refresh_token_reuse');
      assert.ok((await auditActions('session:%')).includes('auth.refresh_reuse'));
    });

    it('logout revokes the session at once', async () => {
      const user = await createUser(env.platform);
      const session = await login(app, user.email);
      const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(session.accessToken) });
      assert.equal(logout.statusCode, 204);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(session.accessToken) })).statusCode,
        401,
      );
      assert.equal(
        (await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: session.refreshToken } }))
          .statusCode,
        401,
      );
    });

    it('locks after 5 failures, tells the client when to retry, and an admin can unlock', async () => {
      const user = await createUser(env.platform);
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        const response = await app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { username: user.email, password: `Wrong-password-${attempt}x` },
        });
        assert.equal(response.statusCode, 401, `attempt ${attempt}`);
      }
      const locked = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: user.email, password: STRONG_PASSWORD },
      });
      assert.equal(locked.statusCode, 423);
      assert.equal(locked.json().error_code, 'ACCOUNT_LOCKED');
      const retryAfter = Number(locked.headers['retry-after']);
      assert.ok(retryAfter > 14 * 60 && retryAfter <= 15 * 60, `retry-after ${retryAfter}`);
      assert.ok((await auditActions(`user:${user.id}`)).includes('auth.lockout'));

      const admin = await userWithRoles(app, env.platform, ['admin']);
      const unlock = await app.inject({
        method: 'POST',
        url: `/auth/users/${user.id}/unlock`,
        headers: bearer(admin.accessToken),
      });
      assert.equal(unlock.statusCode, 200);
      assert.equal(unlock.json().locked_until, null);
      assert.equal(
        (
          await app.inject({
            method: 'POST',
            url: '/auth/login',
            payload: { username: user.email, password: STRONG_PASSWORD },
          })
        ).statusCode,
        200,
      );
    });

    it('holds the lockout under parallel guesses: only the threshold of them is checked, and the right password then waits', async () => {
      for (const known of [true, false]) {
        const email = known
          ? (await createUser(env.platform)).email
          : `ghost-${Math.random().toString(36).slice(2)}@example.com`;
        const guesses = await Promise.all(
          Array.from({ length: 29 }, (_, attempt) =>
            app.inject({
              method: 'POST',
              url: '/auth/login',
              payload: { username: email, password: `Wrong-password-${attempt}x` },
            }),
          ),
        );
        const statuses = guesses.map((response) => response.statusCode);
        assert.equal(
          statuses.filter((status) => status === 401).length,
          5,
          `${known ? 'account' : 'unknown email'}: ${statuses.join(',')}`,
        );
        assert.equal(statuses.filter((status) => status === 423).length, 24);
        if (known)
          assert.equal(
            (
              await app.inject({
                method: 'POST',
                url: '/auth/login',
                payload: { username: email, password: STRONG_PASSWORD },
              })
            ).statusCode,
            423,
          );
      }
    });

    it('locks out unknown emails the same way, so lockout reveals no account', async () => {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 6; attempt += 1) {
        statuses.push(
          (
            await app.inject({
              method: 'POST',
              url: '/auth/login',
              payload: { username: 'ghost@example.com', password: STRONG_PASSWORD },
            })
          ).statusCode,
        );
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 423]);
    });

    it('CSRF: cookie-authenticated changes need a token bound to the session', async () => {
      const user = await createUser(env.platform, ['admin']);
      const session = await login(app, user.email);
      const cookieHeader = `acgs_access=${session.cookies['acgs_access']}; acgs_refresh=${session.cookies['acgs_refresh']}`;
      const csrf = (
        await app.inject({ method: 'GET', url: '/auth/csrf-token', headers: bearer(session.accessToken) })
      ).json().csrf_token as string;
      const other = await login(app, user.email);
      const otherCsrf = (
        await app.inject({ method: 'GET', url: '/auth/csrf-token', headers: bearer(other.accessToken) })
      ).json().csrf_token as string;

      const readWithCookie = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: cookieHeader } });
      assert.equal(readWithCookie.statusCode, 200);
      for (const token of [undefined, 'forged.token', otherCsrf]) {
        const headers: Record<string, string> = { cookie: cookieHeader };
        if (token !== undefined) headers['x-csrf-token'] = token;
        const refresh = await app.inject({ method: 'POST', url: '/auth/refresh', headers });
        assert.equal(refresh.statusCode, 403, `refresh with ${token}`);
        assert.equal(refresh.json().error_code, 'CSRF_INVALID');
        const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers });
        assert.equal(logout.statusCode, 403);
        assert.equal(logout.json().error_code, 'CSRF_INVALID');
      }
      const refreshed = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        headers: { cookie: cookieHeader, 'x-csrf-token': csrf },
      });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      const logout = await app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: { cookie: `acgs_access=${session.cookies['acgs_access']}`, 'x-csrf-token': csrf },
      });
      assert.equal(logout.statusCode, 204);
      // Bearer-authenticated requests are not forgeable by a browser and need no CSRF token.
      assert.equal(
        (await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(other.accessToken) })).statusCode,
        204,
      );
    });

    it('CSRF cookie: a page that kept nothing in memory refreshes by cookie with the token the cookie holds', async () => {
      const user = await createUser(env.platform, ['auditor']);
      const session = await login(app, user.email);
      const csrfCookie = session.cookies['acgs_csrf'];
      assert.ok(csrfCookie, 'login sets acgs_csrf');
      const cookieHeader = `acgs_refresh=${session.cookies['acgs_refresh']}; acgs_csrf=${csrfCookie}`;
      const refreshed = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        headers: { cookie: cookieHeader, 'x-csrf-token': csrfCookie },
      });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      const set = refreshed.cookies.find((cookie) => cookie.name === 'acgs_csrf');
      assert.equal(set?.httpOnly, undefined, 'the page must be able to read it');
      assert.equal(set?.sameSite, 'Strict');
      assert.equal(set?.path, '/');
      // The cookie alone proves nothing: without the header the same request is refused.
      const replay = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        headers: {
          cookie: `acgs_refresh=${refreshed.cookies.find((c) => c.name === 'acgs_refresh')!.value}; acgs_csrf=${set!.value}`,
        },
      });
      assert.equal(replay.statusCode, 403);
      assert.equal(replay.json().error_code, 'CSRF_INVALID');
      const logout = await app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: bearer(refreshed.json().access_token),
      });
      assert.equal(logout.statusCode, 204);
      assert.ok(
        logout.cookies.some((cookie) => cookie.name === 'acgs_csrf' && cookie.value === ''),
        'logout clears acgs_csrf',
      );
    });

    it('deactivation and role changes take effect on live tokens immediately', async () => {
      const admin = await userWithRoles(app, env.platform, ['admin']);
      const target = await userWithRoles(app, env.platform, ['auditor']);
      const deactivate = await app.inject({
        method: 'POST',
        url: `/auth/users/${target.userId}/deactivate`,
        headers: bearer(admin.accessToken),
      });
      assert.equal(deactivate.statusCode, 200);
      assert.equal(deactivate.json().is_active, false);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(target.accessToken) })).statusCode,
        401,
      );
      assert.equal(
        (
          await app.inject({
            method: 'POST',
            url: '/auth/login',
            payload: { username: target.email, password: STRONG_PASSWORD },
          })
        ).statusCode,
        401,
      );
      assert.equal(
        (
          await app.inject({
            method: 'POST',
            url: `/auth/users/${target.userId}/reactivate`,
            headers: bearer(admin.accessToken),
          })
        ).statusCode,
        200,
      );
      const again = await login(app, target.email);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(again.accessToken) })).statusCode,
        200,
      );

      const roles = await app.inject({
        method: 'PUT',
        url: `/auth/users/${target.userId}/roles`,
        headers: bearer(admin.accessToken),
        payload: { roles: ['policy_manager', 'auditor'] },
      });
      assert.equal(roles.statusCode, 200);
      assert.deepEqual(roles.json().roles, ['policy_manager', 'auditor']);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(again.accessToken) })).statusCode,
        401,
      );
      const fresh = await login(app, target.email);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/auth/metrics/auth', headers: bearer(fresh.accessToken) })).statusCode,
        200,
      );
    });

    it('refuses to remove the last active admin', async (t) => {
      const separate = await createTestPlatform(backend);
      const soloApp = await createTestApp('auth', separate.platform);
      cleanupAfter(
        t,
        () => soloApp.close(),
        () => separate.cleanup(),
      );
      const admin = await userWithRoles(soloApp, separate.platform, ['admin']);
      const demote = await soloApp.inject({
        method: 'PUT',
        url: `/auth/users/${admin.userId}/roles`,
        headers: bearer(admin.accessToken),
        payload: { roles: ['auditor'] },
      });
      assert.equal(demote.statusCode, 409);
      assert.equal(demote.json().error_code, 'LAST_ADMIN');
      const deactivate = await soloApp.inject({
        method: 'POST',
        url: `/auth/users/${admin.userId}/deactivate`,
        headers: bearer(admin.accessToken),
      });
      assert.equal(deactivate.statusCode, 409);
    });

    it('API keys: shown once, authenticate agents by Bearer or X-API-Key, stop working when revoked', async () => {
      const admin = await userWithRoles(app, env.platform, ['admin']);
      const agent = await createUser(env.platform, ['agent']);
      const human = await createUser(env.platform, ['auditor']);
      const refused = await app.inject({
        method: 'POST',
        url: '/auth/api-keys',
        headers: bearer(admin.accessToken),
        payload: { user_id: human.id, name: 'nope' },
      });
      assert.equal(refused.statusCode, 400);
      assert.equal(refused.json().error_code, 'NOT_AN_AGENT');

      const created = await app.inject({
        method: 'POST',
        url: '/auth/api-keys',
        headers: bearer(admin.accessToken),
        payload: { user_id: agent.id, name: 'support-bot', expires_in_days: 30 },
      });
      assert.equal(created.statusCode, 201, created.body);
      const { key, id, prefix } = created.json();
      assert.match(key, /^acgs_[a-z0-9]{12}_/);
      const stored = await env.platform.db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE id = $1', [
        id,
      ]);
      assert.ok(!stored[0]!.key_hash.includes(key));
      // Who issued it: the owner of the agent's held tool calls, whom independent review keeps from approving them.
      assert.equal(await apiKeyIssuer(env.platform.db, id), admin.userId);
      assert.equal(await apiKeyIssuer(env.platform.db, '00000000-0000-4000-8000-000000000000'), null);

      const list = await app.inject({
        method: 'GET',
        url: `/auth/api-keys?user_id=${agent.id}`,
        headers: bearer(admin.accessToken),
      });
      assert.equal(list.json().items.length, 1);
      assert.equal(list.json().items[0].prefix, prefix);
      assert.ok(!list.body.includes(key));

      const viaBearer = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(key) });
      assert.equal(viaBearer.statusCode, 200);
      assert.deepEqual(viaBearer.json().roles, ['agent']);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/auth/me', headers: { 'x-api-key': key } })).statusCode,
        200,
      );
      assert.equal(
        (await app.inject({ method: 'GET', url: '/auth/me', headers: { 'x-api-key': `${key.slice(0, -2)}xx` } }))
          .statusCode,
        401,
      );
      // A key already seen has its owner's state read beside it: a deactivation still stops it on the next request,
      // and a reactivation lets it back.
      const setActive = async (active: boolean) =>
        assert.equal(
          (
            await app.inject({
              method: 'POST',
              url: `/auth/users/${agent.id}/${active ? 'reactivate' : 'deactivate'}`,
              headers: bearer(admin.accessToken),
            })
          ).statusCode,
          200,
        );
      await setActive(false);
      const ofInactive = await app.inject({ method: 'GET', url: '/auth/me', headers: { 'x-api-key': key } });
      assert.equal(ofInactive.statusCode, 401);
      assert.equal(ofInactive.json().error_code, 'INVALID_API_KEY');
      await setActive(true);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/auth/me', headers: { 'x-api-key': key } })).statusCode,
        200,
      );

      assert.equal(
        (await app.inject({ method: 'DELETE', url: `/auth/api-keys/${id}`, headers: bearer(admin.accessToken) }))
          .statusCode,
        204,
      );
      const revoked = await app.inject({ method: 'GET', url: '/auth/me', headers: { 'x-api-key': key } });
      assert.equal(revoked.statusCode, 401);
      assert.equal(revoked.json().error_code, 'INVALID_API_KEY');
      assert.equal(
        (await app.inject({ method: 'DELETE', url: `/auth/api-keys/${id}`, headers: bearer(admin.accessToken) }))
          .statusCode,
        404,
      );
      const actions = (
        await env.platform.db.query<{ action: string }>(
          `SELECT action FROM audit_logs WHERE resource = $1 ORDER BY id`,
          [`api_key:${id}`],
        )
      ).map((row) => row.action);
      assert.deepEqual(actions, ['auth.api_key_created', 'auth.api_key_revoked']);
    });

    it('lists users with a cursor', async () => {
      const admin = await userWithRoles(app, env.platform, ['admin']);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/auth/users?limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const page = await app.inject({ method: 'GET', url, headers: bearer(admin.accessToken) });
        assert.equal(page.statusCode, 200, page.body);
        const body = page.json<{ items: { email: string }[]; next_cursor: string | null }>();
        assert.ok(body.items.length <= 2);
        seen.push(...body.items.map((item) => item.email));
        cursor = body.next_cursor;
      } while (cursor !== null);
      const total = await env.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
      assert.equal(seen.length, total[0]!.n);
      assert.deepEqual([...seen].sort(), seen);
    });

    it('exposes the four auth metrics and the JSON summary', async () => {
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      for (const name of [
        'acgs_auth_attempts_total',
        'acgs_auth_success_total',
        'acgs_auth_failures_total',
        'acgs_jwt_tokens_active',
      ]) {
        assert.match(metrics, new RegExp(`^${name}`, 'm'), name);
      }
      assert.match(metrics, /acgs_auth_failures_total\{source_ip="10\.1\.2\.3",service="auth"\} [1-9]/);
      const live = await env.platform.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sessions WHERE revoked_at IS NULL AND expires_at > now()',
      );
      assert.match(metrics, new RegExp(`^acgs_jwt_tokens_active\\{service="auth"\\} ${live[0]!.n}$`, 'm'));
      const auditor = await userWithRoles(app, env.platform, ['auditor']);
      const summary = (
        await app.inject({ method: 'GET', url: '/auth/metrics/auth', headers: bearer(auditor.accessToken) })
      ).json();
      assert.ok(summary.attempts >= summary.successes + summary.failures - 1);
      assert.ok(summary.success_rate > 0 && summary.success_rate < 1);
      assert.equal(typeof summary.active_sessions, 'number');
    });
  });
}
