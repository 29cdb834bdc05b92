import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '../support/process.js';
import {
  backends,
  bearer,
  createTestApp,
  createTestPlatform,
  createUser,
  login,
  tokenFor,
  type TestPlatform,
  apiKeyFor,
} from '../support/harness.js';

const POLICY = {
  source: '@id("freshness-check")\n@principle("baseline")\npermit(principal, action, resource);',
  name: 'freshness check',
};

for (const backend of await backends()) {
  describe(`credentials follow changes to their owner at once, on ${backend}`, () => {
    let env: TestPlatform;
    let auth: FastifyInstance;
    let integrity: FastifyInstance;
    let ac: FastifyInstance;
    let admin: Record<string, string>;

    before(async () => {
      env = await createTestPlatform(backend);
      auth = await createTestApp('auth', env.platform);
      integrity = await createTestApp('integrity', env.platform);
      ac = await createTestApp('ac', env.platform);
      admin = (await tokenFor(env.platform, ['admin'])).headers;
    });
    after(async () => {
      for (const app of [auth, integrity, ac]) await app.close();
      await env.cleanup();
    });

    it('an API key loses a role on the request after the role is taken away', async () => {
      const { userId, headers: key } = await apiKeyFor(env.platform, ['agent', 'policy_manager']);
      const owner = { id: userId };
      assert.equal(
        (await integrity.inject({ method: 'GET', url: '/api/v1/policies', headers: key })).statusCode,
        200,
        'the key works and its record is now cached',
      );
      const changed = await auth.inject({
        method: 'PUT',
        url: `/auth/users/${owner.id}/roles`,
        headers: admin,
        payload: { roles: ['agent'] },
      });
      assert.equal(changed.statusCode, 200, changed.body);
      const refused = await integrity.inject({
        method: 'POST',
        url: '/api/v1/policies',
        headers: key,
        payload: POLICY,
      });
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(
        (await env.platform.db.query('SELECT 1 FROM policies WHERE policy_id = $1', ['freshness-check'])).length,
        0,
      );
    });

    it('a token of a user deleted with SQL stops working on every service within seconds', async () => {
      const user = await createUser(env.platform, ['auditor']);
      const session = await login(auth, user.email);
      assert.equal(
        (await ac.inject({ method: 'GET', url: '/api/v1/principles', headers: bearer(session.accessToken) }))
          .statusCode,
        200,
      );
      await env.platform.db.query('DELETE FROM users WHERE id = $1', [user.id]);
      const started = Date.now();
      await waitFor(
        async () =>
          (await ac.inject({ method: 'GET', url: '/api/v1/principles', headers: bearer(session.accessToken) }))
            .statusCode === 401,
        8000,
        'the token to stop working',
      );
      assert.ok(Date.now() - started < 6500, `took ${Date.now() - started} ms`);
      assert.equal(
        (await integrity.inject({ method: 'GET', url: '/api/v1/policies', headers: bearer(session.accessToken) }))
          .statusCode,
        401,
      );
    });
  });
}
