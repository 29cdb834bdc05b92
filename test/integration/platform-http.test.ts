import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { MAINTENANCE_POLL_MS } from '../../src/platform/http/maintenance.js';
import { waitFor } from '../support/process.js';
import {
  backends,
  bearer,
  createTestApp,
  createTestPlatform,
  userWithRoles,
  type TestPlatform,
  cleanupAfter,
} from '../support/harness.js';

function assertErrorShape(body: Record<string, unknown>, code: string) {
  assert.equal(body['error_code'], code, JSON.stringify(body));
  assert.equal(typeof body['detail'], 'string');
  assert.ok(!Number.isNaN(Date.parse(String(body['timestamp']))));
  assert.equal(typeof body['request_id'], 'string');
  assert.deepEqual(Object.keys(body).sort(), ['detail', 'error_code', 'request_id', 'timestamp']);
}

for (const backend of await backends()) {
  describe(`service platform on ${backend}`, () => {
    let env: TestPlatform;
    let apps: Record<string, FastifyInstance>;
    let auth: FastifyInstance;

    before(async () => {
      env = await createTestPlatform(backend);
      // In start order, as acgs up does: the constitution exists before enforcement builds its first bundle.
      apps = {};
      for (const name of SERVICE_NAMES) apps[name] = await createTestApp(name, env.platform);
      auth = apps['auth']!;
    });
    after(async () => {
      await Promise.all(Object.values(apps).map((app) => app.close()));
      await env.cleanup();
    });

    it('every service answers /, /health, /metrics and /docs', async () => {
      for (const name of SERVICE_NAMES) {
        const app = apps[name]!;
        const info = await app.inject({ method: 'GET', url: '/' });
        assert.equal(info.json().service, name);
        const health = await app.inject({ method: 'GET', url: '/health' });
        assert.equal(health.statusCode, 200);
        const body = health.json();
        assert.equal(body.status, 'healthy');
        assert.equal(body.service, name);
        assert.equal(body.checks.database.status, 'up');
        assert.equal(body.checks.database.backend, backend);
        assert.equal(typeof body.checks.database.latency_ms, 'number');
        assert.equal(body.checks.cache.status, 'up');
        assert.equal(typeof body.uptime_seconds, 'number');
        const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
        assert.match(metrics, /^acgs_http_requests_total\{.*endpoint="\/health".*\} \d+/m);
        assert.match(metrics, /^acgs_http_request_duration_seconds_bucket\{/m);
        assert.match(metrics, /^acgs_database_connections\{service="[a-z]+"\} \d+/m);
        assert.match(metrics, /^acgs_database_max_connections\{service="[a-z]+"\} [1-9]\d*/m);
        assert.match(metrics, /^process_cpu_seconds_total/m);
        const openapi = await app.inject({ method: 'GET', url: '/docs/json' });
        assert.equal(openapi.statusCode, 200);
        assert.equal(openapi.json().openapi, '3.1.0');
        assert.ok(openapi.json().paths['/health']);
        assert.equal((await app.inject({ method: 'GET', url: '/docs' })).statusCode < 400, true);
      }
      const authDoc = (await auth.inject({ method: 'GET', url: '/docs/json' })).json();
      for (const path of [
        '/auth/login',
        '/auth/register',
        '/auth/refresh',
        '/auth/logout',
        '/auth/me',
        '/auth/csrf-token',
        '/auth/users/{id}/roles',
        '/auth/api-keys',
      ]) {
        assert.ok(authDoc.paths[path], path);
      }
      const acDoc = (await apps['ac']!.inject({ method: 'GET', url: '/docs/json' })).json();
      for (const path of [
        '/api/v1/principles',
        '/api/v1/constitution',
        '/api/v1/constitution/diff',
        '/api/v1/meta-rules',
        '/api/v1/constitutional-council/amendments/{id}/vote',
      ]) {
        assert.ok(acDoc.paths[path], path);
      }
      const fvDoc = (await apps['fv']!.inject({ method: 'GET', url: '/docs/json' })).json();
      for (const path of ['/api/v1/verify/policy', '/api/v1/verify/impact', '/api/v1/verify/jobs/{id}'])
        assert.ok(fvDoc.paths[path], path);
      const gsDoc = (await apps['gs']!.inject({ method: 'GET', url: '/docs/json' })).json();
      for (const path of ['/api/v1/synthesize/policy', '/api/v1/synthesize/runs/{id}', '/api/v1/synthesize/strategies'])
        assert.ok(gsDoc.paths[path], path);
    });

    it('labels metrics with the route pattern, never the raw URL', async () => {
      const admin = await userWithRoles(auth, env.platform, ['admin']);
      await auth.inject({ method: 'GET', url: `/auth/users/${admin.userId}`, headers: bearer(admin.accessToken) });
      await auth.inject({ method: 'GET', url: '/no/such/path/123' });
      const metrics = (await auth.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /endpoint="\/auth\/users\/:id"/);
      assert.ok(!metrics.includes(admin.userId));
      assert.match(metrics, /endpoint="unmatched"/);
      assert.ok(!metrics.includes('/no/such/path'));
    });

    it('accepts or generates X-Request-Id, echoes it, and logs one line per request (probes at debug)', async () => {
      const given = await auth.inject({ method: 'GET', url: '/', headers: { 'x-request-id': 'trace-abc-123' } });
      assert.equal(given.headers['x-request-id'], 'trace-abc-123');
      assert.ok(given.headers['x-instance-id']);
      const generated = await auth.inject({
        method: 'GET',
        url: '/health',
        headers: { 'x-request-id': 'bad id with spaces' },
      });
      assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
      const lines = env.logs.filter((line) => line['req_id'] === 'trace-abc-123');
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!['status'], 200);
      assert.equal(typeof lines[0]!['latency_ms'], 'number');
      assert.equal(lines[0]!['endpoint'], '/');
      assert.equal(lines[0]!['level'], 30);
      await auth.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'probe-abc-123' } });
      assert.deepEqual(
        env.logs.filter((line) => line['req_id'] === 'probe-abc-123'),
        [],
        'a health probe is logged at debug, below the info level this platform logs at',
      );
    });

    it('sets security headers', async () => {
      const response = await auth.inject({ method: 'GET', url: '/health' });
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.ok(response.headers['content-security-policy']);
      assert.ok(response.headers['strict-transport-security']);
      assert.equal(response.headers['x-frame-options'], 'SAMEORIGIN');
    });

    it('answers bad input with a 4xx in the standard shape and changes nothing', async () => {
      const admin = await userWithRoles(auth, env.platform, ['admin']);
      const before = await env.platform.db.query<{ users: number; audit: number }>(
        'SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM audit_logs) AS audit',
      );
      const errorsBefore = env.logs.filter((line) => Number(line['level']) >= 50).length;
      const cases: { name: string; request: InjectOptions; status: number; code: string; detail?: RegExp }[] = [
        {
          name: 'malformed JSON',
          request: {
            method: 'POST',
            url: '/auth/register',
            headers: { 'content-type': 'application/json' },
            payload: '{"email": ',
          },
          status: 400,
          code: 'INVALID_JSON',
        },
        {
          name: 'empty JSON body',
          request: {
            method: 'POST',
            url: '/auth/register',
            headers: { 'content-type': 'application/json' },
            payload: '',
          },
          status: 400,
          code: 'INVALID_JSON',
        },
        {
          name: 'wrong type',
          request: {
            method: 'POST',
            url: '/auth/register',
            payload: { email: 'x@example.com', password: 12345678901234, full_name: 'X' },
          },
          status: 400,
          code: 'VALIDATION_ERROR',
          detail: /^\/body\/password: must be string$/,
        },
        {
          name: 'unknown field',
          request: {
            method: 'POST',
            url: '/auth/register',
            payload: { email: 'y@example.com', password: 'correct-Horse-battery-9', full_name: 'Y', is_admin: true },
          },
          status: 400,
          code: 'VALIDATION_ERROR',
          detail: /^\/body\/is_admin: unknown property \(allowed here: email, password, full_name/,
        },
        {
          name: 'bad email',
          request: {
            method: 'POST',
            url: '/auth/register',
            payload: { email: 'not-an-email', password: 'correct-Horse-battery-9', full_name: 'Z' },
          },
          status: 400,
          code: 'VALIDATION_ERROR',
          detail: /^\/body\/email: must match format "email"$/,
        },
        {
          name: 'array body',
          request: {
            method: 'POST',
            url: '/auth/login',
            payload: '[]',
            headers: { 'content-type': 'application/json' },
          },
          status: 400,
          code: 'VALIDATION_ERROR',
        },
        {
          name: 'wrong content type',
          request: {
            method: 'POST',
            url: '/auth/login',
            payload: 'username=a',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          },
          status: 415,
          code: 'UNSUPPORTED_MEDIA_TYPE',
        },
        {
          name: 'oversize body',
          request: {
            method: 'POST',
            url: '/auth/register',
            payload: { email: 'big@example.com', password: 'x', full_name: 'a'.repeat(1024 * 1024 + 10) },
          },
          status: 413,
          code: 'PAYLOAD_TOO_LARGE',
        },
        {
          name: 'bad uuid in path',
          request: { method: 'GET', url: '/auth/users/not-a-uuid', headers: bearer(admin.accessToken) },
          status: 400,
          code: 'VALIDATION_ERROR',
        },
        {
          name: 'bad role',
          request: {
            method: 'PUT',
            url: `/auth/users/${admin.userId}/roles`,
            headers: bearer(admin.accessToken),
            payload: { roles: ['emperor'] },
          },
          status: 400,
          code: 'VALIDATION_ERROR',
          detail: /^\/body\/roles\/0: must be one of "admin", /,
        },
        {
          name: 'bad query value',
          request: { method: 'GET', url: '/auth/users?limit=0', headers: bearer(admin.accessToken) },
          status: 400,
          code: 'VALIDATION_ERROR',
          detail: /^\/querystring\/limit: must be >= 1$/,
        },
        {
          name: 'unknown query field',
          request: { method: 'GET', url: '/auth/users?admin=1', headers: bearer(admin.accessToken) },
          status: 400,
          code: 'VALIDATION_ERROR',
          detail: /^\/querystring\/admin: unknown property \(allowed here: /,
        },
        { name: 'missing token', request: { method: 'GET', url: '/auth/me' }, status: 401, code: 'NOT_AUTHENTICATED' },
        {
          name: 'garbage token',
          request: { method: 'GET', url: '/auth/me', headers: bearer('abc.def.ghi') },
          status: 401,
          code: 'INVALID_TOKEN',
        },
        {
          name: 'basic auth',
          request: { method: 'GET', url: '/auth/me', headers: { authorization: 'Basic YTpi' } },
          status: 401,
          code: 'INVALID_TOKEN',
        },
        {
          name: 'unknown user id',
          request: {
            method: 'GET',
            url: '/auth/users/00000000-0000-4000-8000-000000000000',
            headers: bearer(admin.accessToken),
          },
          status: 404,
          code: 'USER_NOT_FOUND',
        },
        {
          name: 'unknown route',
          request: { method: 'DELETE', url: '/auth/everything' },
          status: 404,
          code: 'NOT_FOUND',
        },
        {
          name: 'refresh with junk',
          request: { method: 'POST', url: '/auth/refresh', payload: { refresh_token: 'junk' } },
          status: 401,
          code: 'INVALID_TOKEN',
        },
      ];
      for (const testCase of cases) {
        const response = await auth.inject(testCase.request);
        assert.equal(response.statusCode, testCase.status, `${testCase.name}: ${response.body}`);
        assertErrorShape(response.json(), testCase.code);
        if (testCase.detail !== undefined) assert.match(response.json().detail, testCase.detail, testCase.name);
      }
      const afterCounts = await env.platform.db.query<{ users: number; audit: number }>(
        'SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM audit_logs) AS audit',
      );
      assert.deepEqual(afterCounts, before);
      assert.equal(
        env.logs.filter((line) => Number(line['level']) >= 50).length,
        errorsBefore,
        'no bad input is logged as an error',
      );
    });

    it('maintenance mode refuses changes with 503 and Retry-After while reads and login keep working', async () => {
      const admin = await userWithRoles(auth, env.platform, ['admin']);
      writeFileSync(env.platform.config.maintenanceFile, 'maintenance\n');
      try {
        // The file is watched, not looked at per request: the change is seen within MAINTENANCE_POLL_MS.
        await waitFor(() => env.platform.maintenance.on, 5 * MAINTENANCE_POLL_MS, 'maintenance mode to be seen');
        const health = await apps['pgc']!.inject({ method: 'GET', url: '/health' });
        assert.equal(health.statusCode, 200);
        assert.equal(health.json().status, 'maintenance');
        const register = await auth.inject({
          method: 'POST',
          url: '/auth/register',
          payload: { email: 'during@example.com', password: 'correct-Horse-battery-9', full_name: 'D' },
        });
        assert.equal(register.statusCode, 503);
        assert.ok(Number(register.headers['retry-after']) > 0);
        assertErrorShape(register.json(), 'MAINTENANCE_MODE');
        assert.equal(
          (await auth.inject({ method: 'GET', url: '/auth/me', headers: bearer(admin.accessToken) })).statusCode,
          200,
        );
        assert.equal(
          (
            await auth.inject({
              method: 'POST',
              url: '/auth/login',
              payload: { username: admin.email, password: 'correct-Horse-battery-9' },
            })
          ).statusCode,
          200,
        );
      } finally {
        rmSync(env.platform.config.maintenanceFile, { force: true });
      }
      await waitFor(() => !env.platform.maintenance.on, 5 * MAINTENANCE_POLL_MS, 'maintenance mode to end');
      assert.equal((await apps['pgc']!.inject({ method: 'GET', url: '/health' })).json().status, 'healthy');
      const register = await auth.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email: 'later@example.com', password: 'correct-Horse-battery-9', full_name: 'L' },
      });
      assert.equal(register.statusCode, 201);
    });

    it('applies CORS for configured origins only', async (t) => {
      const corsEnv = await createTestPlatform(backend, {
        env: { BACKEND_CORS_ORIGINS: 'https://console.example.com' },
      });
      const app = await createTestApp('ac', corsEnv.platform);
      cleanupAfter(
        t,
        () => app.close(),
        () => corsEnv.cleanup(),
      );
      const allowed = await app.inject({
        method: 'OPTIONS',
        url: '/health',
        headers: { origin: 'https://console.example.com', 'access-control-request-method': 'GET' },
      });
      assert.equal(allowed.headers['access-control-allow-origin'], 'https://console.example.com');
      const denied = await app.inject({
        method: 'GET',
        url: '/health',
        headers: { origin: 'https://evil.example.com' },
      });
      assert.equal(denied.headers['access-control-allow-origin'], undefined);
    });
  });
}
