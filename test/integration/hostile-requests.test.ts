import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { AuditReader } from '../../src/platform/audit/reader.js';
import { adversarial, ADVERSARIAL_UNITS } from '../support/adversarial-content.js';
import {
  apiKeyFor,
  backends,
  createTestApp,
  createTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../support/harness.js';

type Headers = Record<string, string>;

const NESTED_POLICY = `@id("nested") permit (principal, action, resource) when { ${'('.repeat(1000)}true${')'.repeat(1000)} };`;
/** A customer's keyword pattern that backtracks exponentially on a run of a's with no end. */
const BACKTRACKING_PATTERN = '^(a+)+$';
const request = (content?: string, attributes?: Record<string, unknown>) => ({
  principal: { type: 'Agent', id: 'bot', ...(attributes === undefined ? {} : { attributes }) },
  action: 'generate',
  resource: { type: 'Model', id: 'm' },
  ...(content === undefined ? {} : { content }),
});
const deeplyNested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/**
 * Requests that once froze or poisoned a running platform (the outside run of issue 25): each must be refused or
 * answered with a clear 4xx/503 while every other request goes on being answered, on both backends.
 */
for (const backend of await backends()) {
  describe(`requests that tried to freeze or poison the platform, on ${backend}`, () => {
    let env: TestPlatform;
    const apps: Record<string, FastifyInstance> = {};
    let auditor: Headers;
    let agent: Headers;
    let service: Headers;

    before(async () => {
      env = await createTestPlatform(backend, {
        env: {
          ACGS_KEYWORD_LISTS: JSON.stringify([{ name: 'runaway', patterns: [BACKTRACKING_PATTERN] }]),
          ACGS_DETECTOR_TIMEOUT_MS: '2000',
        },
      });
      for (const name of ['auth', 'ac', 'integrity', 'fv', 'pgc'] as const)
        apps[name] = await createTestApp(name, env.platform);
      auditor = (await tokenFor(env.platform, ['auditor'])).headers;
      service = (await tokenFor(env.platform, ['service'])).headers;
      agent = (await apiKeyFor(env.platform)).headers;
    });
    after(async () => {
      for (const app of Object.values(apps)) await app.close();
      await env.cleanup();
    });

    const evaluate = (payload: unknown) =>
      apps['pgc']!.inject({
        method: 'POST',
        url: '/api/v1/enforcement/evaluate',
        headers: agent,
        payload: payload as object,
      });
    const pgcHealth = async () => (await apps['pgc']!.inject({ method: 'GET', url: '/health' })).json();

    it('refuses deeply nested Cedar from an auditor before parsing, and enforcement keeps deciding', async () => {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const verify = await apps['fv']!.inject({
          method: 'POST',
          url: '/api/v1/verify/policy',
          headers: auditor,
          payload: { policy: { text: NESTED_POLICY }, mode: 'add' },
        });
        assert.equal(verify.statusCode, 400, verify.body);
        assert.equal(verify.json().error_code, 'POLICY_TOO_COMPLEX');
        assert.match(verify.json().detail, /nest deeper than 16/);
        const simulate = await apps['pgc']!.inject({
          method: 'POST',
          url: '/api/v1/enforcement/simulate',
          headers: auditor,
          payload: { request: request('hello'), candidate: { add: [NESTED_POLICY], remove: [] } },
        });
        assert.equal(simulate.statusCode, 400, simulate.body);
        assert.equal(simulate.json().error_code, 'POLICY_TOO_COMPLEX');
      }
      const decided = await evaluate(request('Write a haiku about autumn.'));
      assert.equal(decided.statusCode, 200, decided.body);
      assert.equal(decided.json().decision, 'allow');
      const health = await pgcHealth();
      assert.equal(health.status, 'healthy', JSON.stringify(health));
      const metrics = (await apps['pgc']!.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /^acgs_cedar_instance_faults_total\{runtime="enforcement",service="pgc"\} 0$/m);
    });

    it('answers 400 naming the field for numbers that are not finite and for JSON nested past 64 levels', async () => {
      const sizeBefore = await new AuditReader(env.platform.db).size();
      const raw = (service: string, url: string, body: string, headers: Headers = {}) =>
        apps[service]!.inject({
          method: 'POST',
          url,
          headers: { ...headers, 'content-type': 'application/json' },
          payload: body,
        });
      const infinite = await raw(
        'pgc',
        '/api/v1/enforcement/evaluate',
        '{"principal":{"type":"Agent","id":"bot","attributes":{"trust":1e400}},"action":"generate","resource":{"type":"Model","id":"m"}}',
        agent,
      );
      assert.equal(infinite.statusCode, 400, infinite.body);
      assert.deepEqual(
        [infinite.json().error_code, infinite.json().detail],
        ['INVALID_NUMBER', 'body.principal.attributes.trust is not a finite number (JSON numbers must fit a double)'],
      );
      const details = await raw(
        'integrity',
        '/api/v1/audit/logs',
        '{"action":"ext.note","resource":"r","details":{"n":-1e999}}',
        service,
      );
      assert.equal(details.statusCode, 400, details.body);
      assert.equal(details.json().error_code, 'INVALID_NUMBER');
      assert.match(details.json().detail, /^body\.details\.n /);
      const login = await raw('auth', '/auth/login', `{"username":${deeplyNested(5000)},"password":"x"}`);
      assert.equal(login.statusCode, 400, login.body);
      assert.equal(login.json().error_code, 'JSON_TOO_DEEP');
      assert.match(login.json().detail, /^body\.username(\.a)+ nests deeper than 64 levels$/);
      const deepAttributes = await raw(
        'pgc',
        '/api/v1/enforcement/evaluate',
        JSON.stringify(request('x', { deep: JSON.parse(deeplyNested(100)) })),
        agent,
      );
      assert.equal(deepAttributes.json().error_code, 'JSON_TOO_DEEP');
      const mcp = await raw(
        'pgc',
        '/mcp',
        `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x.y","arguments":{"n":1e400}}}`,
        agent,
      );
      assert.equal(mcp.statusCode, 400, mcp.body);
      assert.equal(mcp.json().error_code, 'INVALID_NUMBER');
      assert.equal(await new AuditReader(env.platform.db).size(), sizeBefore, 'nothing was logged');
    });

    it('decides 256 KiB of the content that was quadratic, off the event loop', async () => {
      // The shapes that were quadratic, one for each pattern that was; every shape's growth is the unit test's.
      for (const name of ['letters', 'email-ish', 'digits-dashed', 'phones-and-emails', 'dd-command', 'zero-width']) {
        const unit = ADVERSARIAL_UNITS[name]!;
        const content = adversarial(unit, 256 * 1024 - (unit.includes('\u200b') ? 128 * 1024 : 0));
        const decided = await evaluate(request(content));
        assert.equal(decided.statusCode, 200, `${name}: ${decided.body.slice(0, 300)}`);
      }
      const over = await evaluate(request('x'.repeat(256 * 1024 + 1)));
      assert.equal(over.statusCode, 413);
      assert.equal(over.json().error_code, 'CONTENT_TOO_LARGE');
    });

    it("refuses a scan a customer's pattern cannot finish, answering other services meanwhile, and recovers", async () => {
      let settled = false;
      const runaway = evaluate(request(`${'a'.repeat(40)}!`)).finally(() => {
        settled = true;
      });
      // While the pattern backtracks on the detector thread, the process answers: auth's health, a login, pgc's.
      const health = await apps['auth']!.inject({ method: 'GET', url: '/health' });
      assert.equal(health.statusCode, 200);
      assert.equal(settled, false, 'the runaway scan was still going while auth answered');
      const refused = await runaway;
      assert.equal(refused.statusCode, 503, refused.body);
      assert.equal(refused.json().error_code, 'DETECTOR_TIMEOUT');
      const after = await evaluate(request('Globex makes anvils'));
      assert.equal(after.statusCode, 200, after.body);
      assert.equal(after.json().decision, 'allow', 'a fresh detector thread took over');
    });
  });
}
