import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  apiKeyFor,
  backends,
  createTestApp,
  createTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../support/harness.js';
import { cardToEmail } from '../support/requests.js';

type Headers = Record<string, string>;
const haiku = {
  principal: { type: 'Agent', id: 'poet' },
  action: 'generate',
  resource: { type: 'Model', id: 'gpt' },
  content: 'Write a haiku about autumn.',
};

// What the console reads of the decision log: the filtered, keyset-paged list, counts by time bucket, and dry runs
// that decide exactly as the evaluate API does but leave no trace.
for (const backend of await backends()) {
  describe(`decision browsing and dry runs on ${backend}`, () => {
    let env: TestPlatform;
    let ac: FastifyInstance;
    let pgc: FastifyInstance;
    let agent: Headers;
    let auditor: Headers;
    let council: Headers;
    const ids: { card: string[]; haiku: string[] } = { card: [], haiku: [] };

    before(async () => {
      env = await createTestPlatform(backend);
      ac = await createTestApp('ac', env.platform);
      pgc = await createTestApp('pgc', env.platform);
      agent = (await apiKeyFor(env.platform)).headers;
      auditor = (await tokenFor(env.platform, ['auditor'])).headers;
      council = (await tokenFor(env.platform, ['council_member'])).headers;
      for (let i = 0; i < 3; i += 1) {
        for (const [kind, payload] of [
          ['card', cardToEmail],
          ['haiku', haiku],
        ] as const) {
          const response = await pgc.inject({
            method: 'POST',
            url: '/api/v1/enforcement/evaluate',
            headers: agent,
            payload,
          });
          assert.equal(response.statusCode, 200, response.body);
          ids[kind].push(response.json().decision_id);
        }
      }
    });
    after(async () => {
      await pgc.close();
      await ac.close();
      await env.cleanup();
    });

    const get = (url: string, headers: Headers = auditor) => pgc.inject({ method: 'GET', url, headers });

    it('lists decisions newest first with every filter, and pages with cursors', async () => {
      const all = (await get('/api/v1/enforcement/decisions')).json();
      assert.deepEqual(
        all.items.map((item: { id: string }) => item.id),
        [ids.haiku[2], ids.card[2], ids.haiku[1], ids.card[1], ids.haiku[0], ids.card[0]],
      );
      const filters: [string, string[]][] = [
        ['decision=deny', ids.card],
        ['decision=allow', ids.haiku],
        ['action=send_external', ids.card],
        ['principal=Agent::support-bot', ids.card],
        ['principal=poet', ids.haiku],
        ['principal=User::poet', []],
        ['policy=no-pii-to-external-channels.1', ids.card],
        ['principle=no-pii-to-external-channels', ids.card],
        ['principle=no-secrets-in-outputs', []],
        [`from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, []],
        [
          `to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&decision=deny&action=send_external`,
          ids.card,
        ],
      ];
      for (const [filter, expected] of filters) {
        const page = (await get(`/api/v1/enforcement/decisions?${filter}`)).json();
        assert.deepEqual(page.items.map((item: { id: string }) => item.id).sort(), [...expected].sort(), filter);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { id: string }[]; next_cursor: string | null } = (
          await get(`/api/v1/enforcement/decisions?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`)
        ).json();
        seen.push(...page.items.map((item) => item.id));
        cursor = page.next_cursor;
      } while (cursor !== null);
      assert.deepEqual(
        seen,
        all.items.map((item: { id: string }) => item.id),
        'pages neither repeat nor skip',
      );
      const bad = await get('/api/v1/enforcement/decisions?cursor=not-a-cursor');
      assert.deepEqual([bad.statusCode, bad.json().error_code], [400, 'INVALID_CURSOR']);
      assert.equal((await get('/api/v1/enforcement/decisions?action=fly')).statusCode, 400);
      assert.equal((await get('/api/v1/enforcement/decisions', council)).statusCode, 403);
      assert.equal((await get('/api/v1/enforcement/decisions', agent)).statusCode, 403);
    });

    it('counts decisions by minute, action and denying principle from the database', async () => {
      const stats = (await get('/api/v1/enforcement/decisions/statistics')).json();
      assert.equal(stats.bucket, 'minute');
      const totals = stats.series.reduce(
        (sum: { allow: number; deny: number }, bucket: { allow: number; deny: number }) => ({
          allow: sum.allow + bucket.allow,
          deny: sum.deny + bucket.deny,
        }),
        { allow: 0, deny: 0 },
      );
      assert.deepEqual(totals, { allow: 3, deny: 3 });
      assert.deepEqual(stats.by_action, [
        { action: 'generate', allow: 3, deny: 0 },
        { action: 'send_external', allow: 0, deny: 3 },
      ]);
      assert.deepEqual(stats.top_denying_principles, [{ principle: 'no-pii-to-external-channels', deny: 3 }]);
      const hourly = (await get('/api/v1/enforcement/decisions/statistics?bucket=day&action=generate')).json();
      assert.deepEqual(hourly.by_action, [{ action: 'generate', allow: 3, deny: 0 }]);
      for (const query of ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'from=2020-01-01T00:00:00Z']) {
        const refused = await get(`/api/v1/enforcement/decisions/statistics?${query}`);
        assert.deepEqual([refused.statusCode, refused.json().error_code], [400, 'STATISTICS_WINDOW'], query);
      }
    });

    it('lists a held request whose principal carried attributes (the approval names the entity only)', async () => {
      const held = await pgc.inject({
        method: 'POST',
        url: '/api/v1/enforcement/evaluate',
        headers: agent,
        payload: {
          principal: { type: 'Agent', id: 'ops-bot', attributes: { owner: 'payments-team', trust: 3 } },
          action: 'tool_call',
          resource: { type: 'Tool', id: 'wire-transfer' },
          context: { risk: 95 },
        },
      });
      assert.equal(held.json().decision, 'deny', held.body);
      const admin = (await tokenFor(env.platform, ['admin'])).headers;
      const approvals = await pgc.inject({ method: 'GET', url: '/api/v1/approvals?status=pending', headers: admin });
      assert.equal(approvals.statusCode, 200, approvals.body);
      assert.deepEqual(
        approvals.json().items.map((item: { principal: unknown }) => item.principal),
        [{ type: 'Agent', id: 'ops-bot' }],
      );
    });

    it('dry-runs a request as evaluate would, logging nothing, also against a candidate set', async () => {
      const simulate = (body: object, headers: Headers = council) =>
        pgc.inject({ method: 'POST', url: '/api/v1/enforcement/simulate', headers, payload: body });
      const before = (await get('/api/v1/enforcement/decisions?limit=200')).json().items.length;
      const auditRows = async () =>
        Number((await env.platform.db.query<{ n: string }>('SELECT count(*) AS n FROM audit_logs'))[0]!.n);
      const auditBefore = await auditRows();
      const dry = await simulate({ request: cardToEmail });
      assert.equal(dry.statusCode, 200, dry.body);
      const answer = dry.json();
      assert.equal(answer.decision, 'deny');
      assert.deepEqual(answer.reasons, [
        { policy_id: 'no-pii-to-external-channels.1', effect: 'forbid', principles: ['no-pii-to-external-channels'] },
      ]);
      assert.deepEqual(
        answer.findings.map((finding: { kind: string; start: number; end: number }) => [
          finding.kind,
          finding.start,
          finding.end,
        ]),
        [['payment_card', 10, 29]],
      );
      assert.equal(answer.logged, false);
      assert.equal(answer.candidate, false);

      const without = await simulate({
        request: cardToEmail,
        candidate: { add: [], remove: ['no-pii-to-external-channels.1'] },
      });
      assert.equal(without.statusCode, 200, without.body);
      assert.equal(without.json().decision, 'allow', 'without the policy the candidate set allows it');
      assert.notEqual(without.json().bundle_hash, answer.bundle_hash);
      const added = await simulate({
        request: haiku,
        candidate: {
          add: [
            '@id("no-haiku")\n@principle("withhold-unsafe-outputs")\nforbid (principal, action == Action::"generate", resource);',
          ],
          remove: [],
        },
      });
      assert.equal(added.json().decision, 'deny');
      assert.equal(added.json().reasons[0].policy_id, 'no-haiku');
      const broken = await simulate({
        request: haiku,
        candidate: { add: ['@id("x")\nforbid (principal, action, resource) when { context.nope };'], remove: [] },
      });
      assert.deepEqual([broken.statusCode, broken.json().error_code], [400, 'INVALID_CEDAR']);
      const unknown = await simulate({ request: haiku, candidate: { add: [], remove: ['no-such-policy'] } });
      assert.deepEqual([unknown.statusCode, unknown.json().error_code], [400, 'POLICY_NOT_IN_BUNDLE']);
      assert.equal((await simulate({ request: { ...haiku, session_id: 's' } })).statusCode, 400);
      assert.equal(
        (await simulate({ request: haiku }, agent)).statusCode,
        403,
        'agents evaluate for real, not in dry runs',
      );
      assert.equal(
        (await get('/api/v1/enforcement/decisions?limit=200')).json().items.length,
        before,
        'no decision row',
      );
      assert.equal(await auditRows(), auditBefore, 'no audit entry');
    });
  });
}
