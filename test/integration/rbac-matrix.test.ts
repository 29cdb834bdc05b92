import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { ROLES, type Role } from '../../src/domain/auth/roles.js';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { backends, createTestApp, createTestPlatform, createUser, type TestPlatform } from '../support/harness.js';

type Caller = Role | 'anonymous';
const CALLERS: readonly Caller[] = ['anonymous', ...ROLES];

for (const backend of await backends()) {
  describe(`RBAC matrix on ${backend}: every route × every role`, () => {
    let env: TestPlatform;
    const apps: FastifyInstance[] = [];
    const users = new Map<Role, string>();

    before(async () => {
      env = await createTestPlatform(backend);
      for (const name of SERVICE_NAMES) apps.push(await createTestApp(name, env.platform));
      for (const role of ROLES) users.set(role, (await createUser(env.platform, [role])).id);
    });
    after(async () => {
      await Promise.all(apps.map((app) => app.close()));
      await env.cleanup();
    });

    it('admits exactly the roles each route declares', async () => {
      let checked = 0;
      for (const app of apps) {
        const routes = app.accessTable.filter((row) => !row.url.startsWith('/docs'));
        assert.ok(routes.length >= 3);
        for (const route of routes) {
          for (const caller of CALLERS) {
            const headers: Record<string, string> = {};
            if (caller !== 'anonymous') {
              // A fresh session per request, so routes such as logout cannot spoil the next case.
              headers['authorization'] =
                `Bearer ${await env.platform.tokens.issueAccessToken(users.get(caller)!, [caller], randomUUID())}`;
            }
            const request: InjectOptions = {
              method: route.method as InjectOptions['method'],
              url: route.url.replace(/:[a-z_]+/g, randomUUID()),
              headers,
            };
            if (route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH') request.payload = {};
            const response = await app.inject(request);
            const label = `${caller} ${route.method} ${route.url} → ${response.statusCode} ${response.body.slice(0, 120)}`;
            const rule = route.access;
            if (rule === 'public') {
              // Public routes may still reject a missing credential of their own (a refresh token), never a role.
              assert.ok(
                response.statusCode !== 403 &&
                  !(response.statusCode === 401 && response.json().error_code === 'NOT_AUTHENTICATED'),
                label,
              );
            } else if (caller === 'anonymous') {
              assert.equal(response.statusCode, 401, label);
            } else if (rule === 'authenticated' || rule.includes(caller)) {
              assert.ok(response.statusCode !== 401 && response.statusCode !== 403, label);
            } else {
              assert.equal(response.statusCode, 403, label);
              // Routes speaking OpenAI's wire protocol carry our code inside its error object.
              const body = response.json();
              assert.equal(body.error_code ?? body.error?.error_code, 'FORBIDDEN');
            }
            assert.ok(response.statusCode < 500, label);
            checked += 1;
          }
        }
      }
      assert.ok(checked > 100, `checked ${checked} route × role cells`);
    });

    it('keeps admin-only what must be admin-only', () => {
      const auth = apps[0]!;
      const adminOnly = [
        '/auth/users',
        '/auth/users/:id/roles',
        '/auth/users/:id/deactivate',
        '/auth/api-keys',
        '/auth/api-keys/:id',
      ];
      for (const url of adminOnly) {
        for (const row of auth.accessTable.filter((entry) => entry.url === url))
          assert.deepEqual(row.access, ['admin'], `${row.method} ${url}`);
      }
    });
  });
}
