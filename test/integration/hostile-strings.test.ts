import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { AuditReader } from '../../src/platform/audit/reader.js';
import { verifyAuditTree } from '../../src/platform/audit/verify.js';
import {
  backends,
  createTestApp,
  createTestPlatform,
  tokenFor,
  type TestPlatform,
  apiKeyFor,
} from '../support/harness.js';

type Headers = Record<string, string>;
const NUL = 'a\u0000b';
const LONE_SURROGATE = '\ud800';
const benign = {
  principal: { type: 'Agent', id: 'support-bot' },
  action: 'generate',
  resource: { type: 'Model', id: 'gpt' },
  content: 'Write a haiku about autumn.',
};
const principle = {
  key: 'hostile-strings',
  title: 'Hostile strings',
  description: 'x',
  category: 'safety',
  priority: 10,
  scope: { actions: ['tool_call'], resource_types: ['Tool'] },
  normative_statement: 'n',
  rationale: 'r',
  constraints: [],
};

for (const backend of await backends()) {
  describe(`strings the database or Cedar cannot hold, on ${backend}`, () => {
    let env: TestPlatform;
    const apps: Record<string, FastifyInstance> = {};
    let admin: Headers;
    let agentKey: Headers;

    before(async () => {
      env = await createTestPlatform(backend);
      for (const service of ['auth', 'ac', 'integrity', 'pgc'] as const)
        apps[service] = await createTestApp(service, env.platform);
      admin = (await tokenFor(env.platform, ['admin'])).headers;
      agentKey = (await apiKeyFor(env.platform)).headers;
    });
    after(async () => {
      for (const app of Object.values(apps)) await app.close();
      await env.cleanup();
    });

    it('answers 400 INVALID_STRING naming the field on every service, and changes nothing (the audit log included)', async () => {
      const sizeBefore = await new AuditReader(env.platform.db).size();
      const cases: [string, string, string, object, Headers, string][] = [];
      for (const [label, bad] of [
        ['NUL', NUL],
        ['lone surrogate', LONE_SURROGATE],
      ] as const) {
        cases.push(
          ['auth', 'POST', '/auth/login', { username: bad, password: 'whatever-123' }, {}, 'body.username'],
          [
            'auth',
            'POST',
            '/auth/register',
            { email: 'n@example.com', password: 'correct-Horse-battery-9', full_name: bad },
            {},
            'body.full_name',
          ],
          ['ac', 'POST', '/api/v1/principles', { ...principle, description: bad }, admin, 'body.description'],
          [
            'ac',
            'POST',
            '/api/v1/constitutional-council/amendments',
            { title: bad, rationale: 'y', changes: [{ op: 'repeal_principle', key: 'x' }] },
            admin,
            'body.title',
          ],
          [
            'integrity',
            'POST',
            '/api/v1/policies',
            { source: '@id("x")\npermit(principal, action, resource);', name: bad },
            admin,
            'body.name',
          ],
          [
            'integrity',
            'POST',
            '/api/v1/policies',
            { source: '@id("x")\npermit(principal, action, resource);', description: bad },
            admin,
            'body.description',
          ],
          ['pgc', 'POST', '/api/v1/enforcement/evaluate', { ...benign, content: bad }, agentKey, 'body.content'],
          [
            'pgc',
            'POST',
            '/api/v1/enforcement/evaluate',
            { ...benign, context: { [bad]: 1 } },
            agentKey,
            'body.context (a key)',
          ],
        );
        void label;
      }
      // A URL cannot carry a lone surrogate (its bytes decode to U+FFFD), but it can carry %00.
      cases.push(['ac', 'GET', '/api/v1/principles?q=a%00b', {}, admin, 'query.q']);
      for (const [service, method, url, payload, headers, field] of cases) {
        const response = await apps[service]!.inject({
          method: method as 'GET' | 'POST',
          url,
          headers,
          ...(method === 'GET' ? {} : { payload }),
        });
        assert.equal(response.statusCode, 400, `${method} ${url} ${field}: ${response.body}`);
        const body = response.json<Record<string, string>>();
        assert.equal(body['error_code'], 'INVALID_STRING', `${url}: ${response.body}`);
        assert.ok(body['detail']!.startsWith(field), `${url}: detail names ${field}: ${body['detail']}`);
        assert.ok(body['request_id'] && body['timestamp']);
      }
      assert.equal(
        await new AuditReader(env.platform.db).size(),
        sizeBefore,
        'no audit entry was written for refused input',
      );
      assert.deepEqual((await verifyAuditTree(env.platform.db)).findings, []);
    });

    it('keeps every benign decision answering while other callers send NULs and lone surrogates at the same time', async () => {
      const requests = Array.from({ length: 160 }, (_, index) => {
        const hostile = index % 8 === 0;
        const content = hostile ? (index % 16 === 0 ? `x${NUL}` : `x${LONE_SURROGATE}`) : `${benign.content} #${index}`;
        return apps['pgc']!.inject({
          method: 'POST',
          url: '/api/v1/enforcement/evaluate',
          headers: agentKey,
          payload: { ...benign, content },
        }).then((response) => ({ hostile, status: response.statusCode }));
      });
      const results = await Promise.all(requests);
      assert.deepEqual(
        results.filter((result) => result.hostile).map((result) => result.status),
        Array(20).fill(400),
      );
      assert.deepEqual(
        results.filter((result) => !result.hostile).map((result) => result.status),
        Array(140).fill(200),
      );
    });
  });
}
