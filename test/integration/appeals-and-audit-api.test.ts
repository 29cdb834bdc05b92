import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { AuditReader } from '../../src/platform/audit/reader.js';
import { checkInclusion } from '../support/rfc9162-check.js';
import {
  backends,
  createTestApp,
  createTestPlatform,
  createUser,
  tokenFor,
  type TestPlatform,
  apiKeyFor,
} from '../support/harness.js';
import { cardToEmail } from '../support/requests.js';

type Headers = Record<string, string>;

for (const backend of await backends()) {
  describe(`audit log API and appeals on ${backend}`, () => {
    let env: TestPlatform;
    let ac: FastifyInstance;
    let pgc: FastifyInstance;
    let integrity: FastifyInstance;
    let auth: FastifyInstance;

    before(async () => {
      env = await createTestPlatform(backend);
      ac = await createTestApp('ac', env.platform);
      pgc = await createTestApp('pgc', env.platform);
      integrity = await createTestApp('integrity', env.platform);
      auth = await createTestApp('auth', env.platform);
    });
    after(async () => {
      await Promise.all([ac, pgc, integrity, auth].map((app) => app.close()));
      await env.cleanup();
    });

    const call = (method: 'GET' | 'POST', url: string, headers: Headers, payload?: object) =>
      integrity.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });

    it('services append under their own identity; readers filter and page; bad appends change nothing', async () => {
      const service = await apiKeyFor(env.platform, ['service']);
      const agent = await apiKeyFor(env.platform, ['agent']);
      const auditor = (await tokenFor(env.platform, ['auditor'])).headers;
      const subject = await createUser(env.platform, []);
      const appended = [];
      for (let n = 0; n < 7; n += 1) {
        const response = await call('POST', '/api/v1/audit/logs', service.headers, {
          action: 'agent.tool_called',
          resource: `ticket:${n % 2}`,
          user_id: n < 4 ? subject.id : null,
          details: { tool: 'search', n },
        });
        assert.equal(response.statusCode, 201, response.body);
        appended.push(response.json());
      }
      assert.deepEqual(appended[0].details, { tool: 'search', n: 0, reported_by: service.userId });
      assert.equal(appended[6].leaf_index, appended[0].leaf_index + 6, 'acknowledged with dense leaf indexes');

      const size = await new AuditReader(env.platform.db).size();
      const refused: [Headers, object, number, string][] = [
        [agent.headers, { action: 'agent.tool_called', resource: 'x' }, 403, 'FORBIDDEN'],
        [auditor, { action: 'agent.tool_called', resource: 'x' }, 403, 'FORBIDDEN'],
        [service.headers, { action: 'decision.evaluated', resource: 'decision:x' }, 400, 'RESERVED_ACTION'],
        [
          service.headers,
          { action: 'bundle.activated', resource: 'bundle:9', details: { hash: 'f'.repeat(64) } },
          400,
          'RESERVED_ACTION',
        ],
        [
          service.headers,
          { action: 'agent.x', resource: 'x', details: { reported_by: 'someone else' } },
          400,
          'RESERVED_FIELD',
        ],
        [service.headers, { action: 'no_namespace', resource: 'x' }, 400, 'VALIDATION_ERROR'],
        [service.headers, { action: 'agent.x', resource: '' }, 400, 'VALIDATION_ERROR'],
        [
          service.headers,
          { action: 'agent.x', resource: 'x', details: { blob: 'x'.repeat(17_000) } },
          400,
          'DETAILS_TOO_LARGE',
        ],
        [
          service.headers,
          { action: 'agent.x', resource: 'x', timestamp: '2020-01-01T00:00:00Z' },
          400,
          'VALIDATION_ERROR',
        ],
        [service.headers, { action: 'agent.x', resource: 'x', user_id: 'not-a-uuid' }, 400, 'VALIDATION_ERROR'],
      ];
      for (const [headers, payload, status, code] of refused) {
        const response = await call('POST', '/api/v1/audit/logs', headers, payload);
        assert.equal(response.statusCode, status, `${JSON.stringify(payload)}: ${response.body}`);
        assert.equal(response.json().error_code, code);
        assert.ok(response.json().request_id && response.json().timestamp);
      }
      assert.equal(await new AuditReader(env.platform.db).size(), size, 'refused appends change nothing');

      const list = async (query: string) => {
        const response = await call('GET', `/api/v1/audit/logs?${query}`, auditor);
        assert.equal(response.statusCode, 200, response.body);
        return response.json() as {
          items: { leaf_index: number; resource: string; user_id: string | null }[];
          next_cursor: string | null;
        };
      };
      const seen: number[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const page: Awaited<ReturnType<typeof list>> = await list(
          `action=agent.tool_called&limit=3${cursor === '' ? '' : `&cursor=${cursor}`}`,
        );
        assert.ok(page.items.length <= 3);
        seen.push(...page.items.map((item) => item.leaf_index));
        cursor = page.next_cursor;
      }
      assert.deepEqual(seen, appended.map((entry) => entry.leaf_index).reverse(), 'every entry once, newest first');
      assert.deepEqual(
        (await list(`user_id=${subject.id}&action=agent.tool_called`)).items.map((item) => item.leaf_index),
        appended
          .slice(0, 4)
          .map((entry) => entry.leaf_index)
          .reverse(),
      );
      assert.ok((await list('resource=ticket:1')).items.every((item) => item.resource === 'ticket:1'));
      assert.equal((await list('resource=ticket:1&action=agent.tool_called')).items.length, 3);
      const from = appended[0].timestamp;
      assert.equal((await list(`from=${encodeURIComponent(from)}&action=agent.tool_called`)).items.length, 7);
      assert.equal((await list(`to=${encodeURIComponent(from)}&action=agent.tool_called`)).items.length, 0);
      for (const bad of [
        'cursor=abc',
        'limit=0',
        'limit=501',
        'from=yesterday',
        `from=${encodeURIComponent(from)}&to=${encodeURIComponent(from)}`,
        'user_id=1',
        'colour=blue',
      ]) {
        const response = await call('GET', `/api/v1/audit/logs?${bad}`, auditor);
        assert.equal(response.statusCode, 400, `${bad}: ${response.body}`);
      }
      assert.equal(
        (await call('GET', '/api/v1/audit/logs', service.headers)).statusCode,
        403,
        'appending does not grant reading',
      );

      const head = (await call('GET', '/api/v1/audit/tree-head', auditor)).json();
      const proof = (
        await call(
          'GET',
          `/api/v1/audit/proof/inclusion?index=${appended[3].leaf_index}&tree_size=${head.tree_size}`,
          auditor,
        )
      ).json();
      assert.ok(
        checkInclusion(proof.leaf_data, appended[3].leaf_index, head.tree_size, proof.audit_path, head.root_hash),
        'an appended entry is provably in the log',
      );
      const metrics = await Promise.all(
        [auth, ac, integrity, pgc].map(async (app) => (await app.inject({ method: 'GET', url: '/metrics' })).body),
      );
      const counts = metrics.flatMap((text) =>
        [...text.matchAll(/^acgs_audit_append_duration_seconds_count\{service="[a-z]+"\} (\d+)$/gm)].map((match) =>
          Number(match[1]),
        ),
      );
      assert.equal(counts.length, 1, 'append durations are reported by exactly one service of the process');
      assert.ok(counts[0]! >= 7);
    });

    it('the affected principal appeals a decision; a reviewer overturns it and a policy review opens for the deciding policies', async () => {
      const agent = await apiKeyFor(env.platform, ['agent']);
      const otherAgent = await apiKeyFor(env.platform, ['agent']);
      const council = await tokenFor(env.platform, ['council_member']);
      const auditor = await tokenFor(env.platform, ['auditor']);
      const manager = (await tokenFor(env.platform, ['policy_manager'])).headers;
      const decision = (
        await pgc.inject({
          method: 'POST',
          url: '/api/v1/enforcement/evaluate',
          headers: agent.headers,
          payload: cardToEmail,
        })
      ).json();
      assert.equal(decision.decision, 'deny');

      assert.equal(
        (
          await call('POST', '/api/v1/appeals', otherAgent.headers, {
            decision_id: decision.decision_id,
            reason: 'not mine',
          })
        ).json().error_code,
        'NOT_AFFECTED',
      );
      const unknown = await call('POST', '/api/v1/appeals', agent.headers, {
        decision_id: '00000000-0000-4000-8000-000000000000',
        reason: 'x',
      });
      assert.equal(unknown.statusCode, 404);
      assert.equal(
        (await call('POST', '/api/v1/appeals', agent.headers, { decision_id: decision.decision_id })).statusCode,
        400,
      );
      assert.equal(
        (await call('POST', '/api/v1/appeals', agent.headers, { decision_id: decision.decision_id, reason: '' }))
          .statusCode,
        400,
      );
      const filed = await call('POST', '/api/v1/appeals', agent.headers, {
        decision_id: decision.decision_id,
        reason: 'The card number was a published test number',
      });
      assert.equal(filed.statusCode, 201, filed.body);
      const appeal = filed.json();
      assert.equal(appeal.status, 'open');
      const twice = await call('POST', '/api/v1/appeals', auditor.headers, {
        decision_id: decision.decision_id,
        reason: 'again',
      });
      assert.deepEqual([twice.statusCode, twice.json().error_code], [409, 'APPEAL_OPEN']);

      assert.deepEqual(
        (await call('GET', '/api/v1/appeals', agent.headers)).json().items.map((item: { id: string }) => item.id),
        [appeal.id],
      );
      assert.deepEqual(
        (await call('GET', '/api/v1/appeals', otherAgent.headers)).json().items,
        [],
        'others see only their own appeals',
      );
      assert.equal((await call('GET', `/api/v1/appeals/${appeal.id}`, otherAgent.headers)).statusCode, 404);
      assert.equal((await call('GET', `/api/v1/appeals/${appeal.id}`, auditor.headers)).json().id, appeal.id);
      assert.equal(
        (await call('GET', '/api/v1/appeals?status=open', council.headers))
          .json()
          .items.some((item: { id: string }) => item.id === appeal.id),
        true,
      );
      assert.equal(
        (await call('GET', '/api/v1/appeals?cursor=nonsense', council.headers)).json().error_code,
        'INVALID_CURSOR',
      );

      assert.equal(
        (await call('POST', `/api/v1/appeals/${appeal.id}/resolve`, manager, { outcome: 'overturned', rationale: 'x' }))
          .statusCode,
        403,
        'policy managers do not judge appeals',
      );
      assert.equal(
        (
          await call('POST', `/api/v1/appeals/${appeal.id}/resolve`, council.headers, {
            outcome: 'maybe',
            rationale: 'x',
          })
        ).statusCode,
        400,
      );
      const resolved = await call('POST', `/api/v1/appeals/${appeal.id}/resolve`, council.headers, {
        outcome: 'overturned',
        rationale: 'Test card numbers are not personal data',
      });
      assert.equal(resolved.statusCode, 200, resolved.body);
      assert.equal(resolved.json().status, 'overturned');
      assert.equal(resolved.json().resolved_by, council.userId);
      const review = resolved.json().policy_review;
      assert.deepEqual(
        review.policy_ids,
        decision.reasons
          .map((reason: { policy_id: string }) => reason.policy_id)
          .filter(Boolean)
          .sort(),
      );
      assert.ok(review.policy_ids.includes('no-pii-to-external-channels.1'));
      assert.equal(review.bundle_hash, decision.bundle_hash);
      const again = await call('POST', `/api/v1/appeals/${appeal.id}/resolve`, auditor.headers, {
        outcome: 'upheld',
        rationale: 'x',
      });
      assert.deepEqual([again.statusCode, again.json().error_code], [409, 'APPEAL_RESOLVED']);

      const reviews = (await call('GET', '/api/v1/policy-reviews?status=open', manager)).json().items;
      assert.ok(reviews.some((item: { id: string }) => item.id === review.id));
      assert.equal((await call('GET', '/api/v1/policy-reviews', agent.headers)).statusCode, 403);
      const closed = await call('POST', `/api/v1/policy-reviews/${review.id}/close`, manager, {
        note: 'Added an exception for published test numbers',
      });
      assert.equal(closed.json().status, 'closed', closed.body);
      assert.equal(
        (await call('POST', `/api/v1/policy-reviews/${review.id}/close`, manager, { note: 'again' })).json().error_code,
        'REVIEW_CLOSED',
      );

      // A person's own appeal of a decision is resolved by someone else.
      const second = (
        await pgc.inject({
          method: 'POST',
          url: '/api/v1/enforcement/evaluate',
          headers: agent.headers,
          payload: cardToEmail,
        })
      ).json();
      const own = (
        await call('POST', '/api/v1/appeals', auditor.headers, {
          decision_id: second.decision_id,
          reason: 'looks wrong',
        })
      ).json();
      assert.equal(
        (
          await call('POST', `/api/v1/appeals/${own.id}/resolve`, auditor.headers, {
            outcome: 'upheld',
            rationale: 'mine',
          })
        ).json().error_code,
        'TWO_PERSON_RULE',
      );
      const upheld = (
        await call('POST', `/api/v1/appeals/${own.id}/resolve`, council.headers, {
          outcome: 'upheld',
          rationale: 'The policy applies',
        })
      ).json();
      assert.deepEqual([upheld.status, upheld.policy_review], ['upheld', null]);

      const events = await env.platform.db.query<{ action: string }>(
        `SELECT action FROM audit_logs WHERE action LIKE 'appeal.%' ORDER BY leaf_index`,
      );
      assert.deepEqual(
        events.map((event) => event.action),
        [
          'appeal.filed',
          'appeal.overturned',
          'appeal.review_opened',
          'appeal.review_closed',
          'appeal.filed',
          'appeal.upheld',
        ],
      );
    });
  });
}
