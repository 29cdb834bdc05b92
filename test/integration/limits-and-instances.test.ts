import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  backends,
  bearer,
  createTestApp,
  createTestPlatform,
  createUser,
  login,
  requireRedis,
  STRONG_PASSWORD,
  type TestPlatform,
  cleanupAfter,
} from '../support/harness.js';

const LIMITS = { ACGS_RATE_LIMIT_PER_MINUTE: '5', ACGS_AUTH_RATE_LIMIT_PER_MINUTE: '3' };

async function withApp<T>(env: TestPlatform, fn: (app: FastifyInstance) => Promise<T>): Promise<T> {
  const app = await createTestApp('auth', env.platform);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

const useRedis = await requireRedis();

for (const backend of await backends()) {
  for (const redis of useRedis ? [false, true] : [false]) {
    describe(`rate limits on ${backend} with ${redis ? 'Redis' : 'in-process'} counters`, () => {
      it('limits each client IP per minute, answering 429 with Retry-After in the standard shape; health is exempt', async (t) => {
        const env = await createTestPlatform(backend, { env: LIMITS, redis });
        cleanupAfter(t, () => env.cleanup());
        await withApp(env, async (app) => {
          const statuses: number[] = [];
          for (let i = 0; i < 6; i += 1)
            statuses.push((await app.inject({ method: 'GET', url: '/auth/me', remoteAddress: '10.9.9.9' })).statusCode);
          assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
          const limited = await app.inject({ method: 'GET', url: '/auth/me', remoteAddress: '10.9.9.9' });
          assert.equal(limited.json().error_code, 'RATE_LIMITED');
          assert.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60);
          assert.equal(
            (await app.inject({ method: 'GET', url: '/auth/me', remoteAddress: '10.9.9.10' })).statusCode,
            401,
          );
          for (let i = 0; i < 10; i += 1)
            assert.equal(
              (await app.inject({ method: 'GET', url: '/health', remoteAddress: '10.9.9.9' })).statusCode,
              200,
            );

          const logins: number[] = [];
          for (let i = 0; i < 4; i += 1) {
            logins.push(
              (
                await app.inject({
                  method: 'POST',
                  url: '/auth/login',
                  payload: { username: 'x@example.com', password: 'whatever-it-is' },
                  remoteAddress: '10.7.7.7',
                })
              ).statusCode,
            );
          }
          assert.deepEqual(logins, [401, 401, 401, 429]);
        });
      });
    });
  }
}

if (useRedis && (await backends()).includes('postgres')) {
  describe('two auth instances on PostgreSQL + Redis share sessions, limits and revocations', () => {
    it('a token from one works on the other; logout, deactivation and limits apply across both at once', async (t) => {
      const first = await createTestPlatform('postgres', { redis: true, env: LIMITS });
      const second = await createTestPlatform('postgres', {
        redis: true,
        env: LIMITS,
        schema: first.schema!,
        cachePrefix: first.cachePrefix,
      });
      const a = await createTestApp('auth', first.platform);
      const b = await createTestApp('auth', second.platform);
      cleanupAfter(
        t,
        () => a.close(),
        () => b.close(),
        () => second.platform.close(),
        () => first.cleanup(),
      );
      const admin = await createUser(first.platform, ['admin']);
      const user = await createUser(first.platform, ['auditor']);
      const adminSession = await login(a, admin.email, STRONG_PASSWORD, '10.0.0.1');
      const userSession = await login(a, user.email, STRONG_PASSWORD, '10.0.0.2');
      assert.equal(
        (
          await b.inject({
            method: 'GET',
            url: '/auth/me',
            headers: bearer(userSession.accessToken),
            remoteAddress: '10.0.0.2',
          })
        ).statusCode,
        200,
      );

      const deactivate = await a.inject({
        method: 'POST',
        url: `/auth/users/${user.id}/deactivate`,
        headers: bearer(adminSession.accessToken),
        remoteAddress: '10.0.0.1',
      });
      assert.equal(deactivate.statusCode, 200);
      const onOther = await b.inject({
        method: 'GET',
        url: '/auth/me',
        headers: bearer(userSession.accessToken),
        remoteAddress: '10.0.0.2',
      });
      assert.equal(onOther.statusCode, 401);
      assert.equal(onOther.json().error_code, 'TOKEN_REVOKED');

      const second2 = await login(b, admin.email, STRONG_PASSWORD, '10.0.0.3');
      assert.equal(
        (
          await b.inject({
            method: 'POST',
            url: '/auth/logout',
            headers: bearer(second2.accessToken),
            remoteAddress: '10.0.0.3',
          })
        ).statusCode,
        204,
      );
      assert.equal(
        (
          await a.inject({
            method: 'GET',
            url: '/auth/me',
            headers: bearer(second2.accessToken),
            remoteAddress: '10.0.0.3',
          })
        ).statusCode,
        401,
      );

      const spread: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        const app = i % 2 === 0 ? a : b;
        spread.push(
          (
            await app.inject({
              method: 'POST',
              url: '/auth/login',
              payload: { username: 'nobody@example.com', password: 'whatever-it-is' },
              remoteAddress: '10.0.0.9',
            })
          ).statusCode,
        );
      }
      assert.deepEqual(spread, [401, 401, 401, 429]);
    });
  });

  describe('database pool on PostgreSQL', () => {
    it('a caller waiting longer than DATABASE_POOL_TIMEOUT gets 503 DB_POOL_TIMEOUT; overflow connections are used first', async (t) => {
      const env = await createTestPlatform('postgres', {
        env: { DATABASE_POOL_SIZE: '1', DATABASE_MAX_OVERFLOW: '1', DATABASE_POOL_TIMEOUT: '1' },
      });
      const app = await createTestApp('auth', env.platform);
      cleanupAfter(
        t,
        () => app.close(),
        () => env.cleanup(),
      );
      const admin = await createUser(env.platform, ['admin']);
      const session = await login(app, admin.email);
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /^acgs_database_max_connections\{service="auth"\} 2$/m);
      const hold = (seconds: number) =>
        env.platform.db.transaction(async (tx) => void (await tx.query('SELECT pg_sleep($1)', [seconds])));
      const firstHold = hold(1.2);
      const withOverflow = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(session.accessToken) });
      assert.equal(withOverflow.statusCode, 200, 'the overflow connection serves while the pool connection is busy');
      const secondHold = hold(2.5);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await firstHold;
      const thirdHold = hold(2.5);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      const starved = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(session.accessToken) });
      assert.equal(starved.statusCode, 503, starved.body);
      assert.equal(starved.json().error_code, 'DB_POOL_TIMEOUT');
      assert.ok(Number(starved.headers['retry-after']) > 0);
      assert.ok(Date.now() - started >= 900, 'waited for the pool timeout');
      await Promise.all([secondHold, thirdHold]);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(session.accessToken) })).statusCode,
        200,
      );
    });
  });
}

describe('PGlite serialises concurrent work instead of failing it', () => {
  it('answers 40 concurrent requests that all touch the database', async (t) => {
    const env = await createTestPlatform('pglite');
    const app = await createTestApp('auth', env.platform);
    cleanupAfter(
      t,
      () => app.close(),
      () => env.cleanup(),
    );
    const admin = await createUser(env.platform, ['admin']);
    const session = await login(app, admin.email);
    const responses = await Promise.all(
      Array.from({ length: 40 }, () =>
        app.inject({ method: 'GET', url: '/auth/me', headers: bearer(session.accessToken) }),
      ),
    );
    assert.deepEqual([...new Set(responses.map((response) => response.statusCode))], [200]);
  });
});

if (useRedis) {
  for (const backend of await backends()) {
    describe(`losing Redis on ${backend}`, () => {
      it('degrades health and fails authenticated requests closed with 503, never 500', async (t) => {
        const env = await createTestPlatform(backend, { redis: true });
        const app = await createTestApp('auth', env.platform);
        cleanupAfter(
          t,
          () => app.close(),
          () => env.cleanup(),
        );
        const admin = await createUser(env.platform, ['admin']);
        const session = await login(app, admin.email);
        env.platform.cache.redis!.disconnect();
        const health = await app.inject({ method: 'GET', url: '/health' });
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const later = await app.inject({ method: 'GET', url: '/health' });
        assert.equal(health.statusCode, 200);
        assert.equal(later.json().status, 'degraded');
        assert.equal(later.json().checks.cache.status, 'down');
        const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(session.accessToken) });
        assert.equal(me.statusCode, 503, me.body);
        assert.equal(me.json().error_code, 'CACHE_UNAVAILABLE');
      });
    });
  }
}
