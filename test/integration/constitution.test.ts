import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { STARTER_PRINCIPLES } from '../../src/domain/constitution/starter.js';
import { KNOWN_ANSWER } from '../support/constitution-vectors.js';
import {
  backends,
  createTestApp,
  createTestPlatform,
  tokenFor,
  type TestPlatform,
  cleanupAfter,
} from '../support/harness.js';

const NEW_PRINCIPLE = {
  key: 'no-autonomous-payments',
  title: 'No autonomous payments',
  description: 'Payment tools run only with human approval.',
  category: 'human_oversight',
  priority: 92,
  scope: { actions: ['tool_call'], resource_types: ['Tool'] },
  normative_statement: 'An agent must not execute a payment without human approval.',
  rationale: 'Money moved cannot be unmoved.',
  constraints: [
    {
      effect: 'forbid',
      actions: ['tool_call'],
      when: [{ attr: 'context.tool', op: 'eq', value: 'payments' }],
      unless: [{ attr: 'context.human_approved', op: 'is_true' }],
    },
  ],
};

type Headers = Record<string, string>;
const BASE = '/api/v1/constitutional-council/amendments';

const observed: Record<string, string> = {};

for (const backend of await backends()) {
  describe(`constitution service on ${backend}`, () => {
    let env: TestPlatform;
    let app: FastifyInstance;
    let admin: Headers;
    let manager: Headers;
    let auditor: Headers;
    let agent: Headers;
    let council: Headers[];
    const notifications: string[] = [];
    let unlisten: () => Promise<void>;

    before(async () => {
      env = await createTestPlatform(backend);
      unlisten = await env.platform.db.listen('constitution_changed', (payload) => notifications.push(payload));
      app = await createTestApp('ac', env.platform);
      admin = (await tokenFor(env.platform, ['admin'])).headers;
      manager = (await tokenFor(env.platform, ['policy_manager'])).headers;
      auditor = (await tokenFor(env.platform, ['auditor'])).headers;
      agent = (await tokenFor(env.platform, ['agent'])).headers;
      council = [];
      for (let i = 0; i < 5; i += 1) council.push((await tokenFor(env.platform, ['council_member'])).headers);
    });
    after(async () => {
      await unlisten();
      await app.close();
      await env.cleanup();
    });

    const get = (url: string, headers: Headers = admin) => app.inject({ method: 'GET', url, headers });
    const post = (url: string, payload: unknown, headers: Headers = admin) =>
      app.inject({ method: 'POST', url, headers, payload: payload as object });
    async function propose(changes: unknown[], headers: Headers = manager, title = 'An amendment') {
      const response = await post(BASE, { title, rationale: 'Because.', changes }, headers);
      assert.equal(response.statusCode, 201, response.body);
      return response.json();
    }
    async function openAmendment(id: string, headers: Headers = manager, deadline?: string) {
      const response = await post(`${BASE}/${id}/open`, deadline === undefined ? {} : { deadline }, headers);
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    }
    const vote = (id: string, who: Headers, choice: string) =>
      post(`${BASE}/${id}/vote`, { vote: choice, reason: 'considered' }, who);

    it('loads the starter constitution as version 1 with the documented hash, once', async () => {
      const current = await get('/api/v1/constitution');
      assert.equal(current.statusCode, 200);
      assert.equal(current.json().version, 1);
      assert.equal(current.json().hash, KNOWN_ANSWER.starterHash);
      observed[backend] = current.json().hash;
      assert.equal(current.json().principles.length, STARTER_PRINCIPLES.length);
      const second = await createTestApp('ac', env.platform);
      await second.close();
      assert.equal((await get('/api/v1/constitution/versions')).json().items.length, 1);
      const active = await get('/api/v1/principles?status=active&limit=200');
      assert.equal(active.json().items.length, STARTER_PRINCIPLES.length);
      const starterEvents = await env.platform.db.query(
        `SELECT 1 FROM audit_logs WHERE action = 'constitution.starter_loaded'`,
      );
      assert.equal(starterEvents.length, 1);
    });

    it('lists with filters, text search and a key cursor', async () => {
      const privacy = (await get('/api/v1/principles?category=privacy'))
        .json()
        .items.map((p: { key: string }) => p.key);
      assert.deepEqual(privacy, [
        'no-pii-to-external-channels',
        'no-sensitive-pii-in-memory',
        'restricted-data-needs-approval',
      ]);
      const search = (await get('/api/v1/principles?q=INJECTION')).json().items.map((p: { key: string }) => p.key);
      assert.deepEqual(search, ['block-prompt-injection']);
      const keys: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/v1/principles/?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`;
        const page = (await get(url)).json<{ items: { key: string }[]; next_cursor: string | null }>();
        keys.push(...page.items.map((p) => p.key));
        cursor = page.next_cursor;
      } while (cursor !== null);
      assert.equal(keys.length, STARTER_PRINCIPLES.length);
      assert.deepEqual([...keys].sort(), keys);
    });

    it('runs the amendment lifecycle: propose, open, three votes, enactment as version 2 with a new hash and a diff', async () => {
      const amendment = await propose(
        [{ op: 'add_principle', principle: NEW_PRINCIPLE }],
        manager,
        'Add payments oversight',
      );
      assert.equal(amendment.status, 'draft');
      assert.deepEqual(amendment.principle_keys, ['no-autonomous-payments']);
      const opened = await openAmendment(amendment.id);
      assert.equal(opened.status, 'open');
      assert.equal(opened.council_size, 5);
      for (const member of council.slice(0, 3)) assert.equal((await vote(amendment.id, member, 'for')).statusCode, 200);
      assert.equal(
        (await get(`${BASE}/${amendment.id}`)).json().status,
        'open',
        '3 of 5 for: the other 2 could still block 2/3',
      );
      const decisive = await vote(amendment.id, council[3]!, 'for');
      assert.equal(decisive.json().status, 'enacted');
      assert.equal(decisive.json().enacted_version, 2);

      const current = (await get('/api/v1/constitution')).json();
      assert.equal(current.version, 2);
      assert.notEqual(current.hash, KNOWN_ANSWER.starterHash);
      assert.equal(current.enacted_by_amendment, amendment.id);
      const diff = (await get('/api/v1/constitution/diff?from=1&to=2')).json();
      assert.deepEqual(
        diff.principles.added.map((p: { key: string }) => p.key),
        ['no-autonomous-payments'],
      );
      assert.deepEqual(diff.principles.removed, []);
      assert.equal(diff.to_hash, current.hash);
      const row = (await get('/api/v1/principles?q=autonomous')).json().items[0];
      assert.equal(row.status, 'active');

      const late = await vote(amendment.id, council[4]!, 'against');
      assert.equal(late.statusCode, 409);
      assert.equal(late.json().error_code, 'VOTING_CLOSED');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.ok(
        notifications.some((payload) => JSON.parse(payload).version === 2 && JSON.parse(payload).hash === current.hash),
        notifications.join(),
      );
      const actions = (
        await env.platform.db.query<{ action: string }>(
          `SELECT action FROM audit_logs WHERE resource = $1 ORDER BY id`,
          [`amendment:${amendment.id}`],
        )
      ).map((r) => r.action);
      assert.deepEqual(actions, [
        'amendment.proposed',
        'amendment.opened',
        'amendment.vote_cast',
        'amendment.vote_cast',
        'amendment.vote_cast',
        'amendment.vote_cast',
        'amendment.approved',
      ]);
      const metrics = (await get('/metrics')).body;
      assert.match(metrics, /^acgs_constitution_version\{service="ac"\} 2$/m);
      assert.match(metrics, /^acgs_votes_total\{vote="for",service="ac"\} 4$/m);
      assert.match(metrics, /^acgs_amendments_total\{status="enacted",service="ac"\} 1$/m);
    });

    it('modifies, repeals and changes meta-rules by amendment; votes can change until close', async () => {
      const amendment = await propose([
        { op: 'modify_principle', key: 'equal-treatment', changes: { priority: 85 } },
        { op: 'repeal_principle', key: 'audit-everything' },
        {
          op: 'change_meta_rules',
          meta_rules: {
            conflict_resolution: { strategy: 'deny_overrides', explanation_order: 'priority' },
            amendments: {
              quorum: { kind: 'votes', min: 2 },
              approval_threshold: { numerator: 1, denominator: 2 },
              abstentions_count_toward_quorum: false,
              voting_period_hours: 24,
              proposer_roles: ['admin', 'policy_manager', 'council_member'],
              voter_roles: ['council_member'],
            },
          },
        },
      ]);
      await openAmendment(amendment.id);
      assert.equal((await vote(amendment.id, council[0]!, 'against')).json().status, 'open');
      assert.equal((await vote(amendment.id, council[0]!, 'for')).json().status, 'open');
      const votes = (await get(`${BASE}/${amendment.id}`)).json().votes;
      assert.deepEqual(
        votes.map((v: { vote: string }) => v.vote),
        ['for'],
      );
      for (const member of council.slice(1, 4)) await vote(amendment.id, member, 'for');
      const after = (await get(`${BASE}/${amendment.id}`)).json();
      assert.equal(after.status, 'enacted');
      const current = (await get('/api/v1/constitution')).json();
      assert.equal(current.version, 3);
      assert.equal(current.principles.find((p: { key: string }) => p.key === 'equal-treatment').priority, 85);
      assert.equal(
        current.principles.find((p: { key: string }) => p.key === 'audit-everything'),
        undefined,
      );
      assert.equal(current.meta_rules.amendments.quorum.min, 2);
      assert.deepEqual((await get('/api/v1/meta-rules')).json().amendments.quorum, { kind: 'votes', min: 2 });
      const repealed = (await get('/api/v1/principles?q=audited')).json().items[0];
      assert.equal(repealed.status, 'deprecated');
      const putMeta = await app.inject({
        method: 'PUT',
        url: '/api/v1/meta-rules',
        headers: admin,
        payload: current.meta_rules,
      });
      assert.equal(putMeta.statusCode, 409);
      assert.equal(putMeta.json().error_code, 'META_RULES_ACTIVE');
    });

    it('edits drafts with optimistic concurrency and refuses direct changes to active principles', async () => {
      const created = await post('/api/v1/principles', { ...NEW_PRINCIPLE, key: 'draft-idea', priority: 10 }, manager);
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.headers['etag'], '"1"');
      const id = created.json().id;
      const update = (headers: Headers, body: object) =>
        app.inject({
          method: 'PUT',
          url: `/api/v1/principles/${id}`,
          headers,
          payload: { ...NEW_PRINCIPLE, key: 'draft-idea', ...body },
        });
      const ok = await update({ ...manager, 'if-match': '"1"' }, { priority: 11 });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().version, 2);
      const stale = await update({ ...manager, 'if-match': '"1"' }, { priority: 12 });
      assert.equal(stale.statusCode, 409);
      assert.equal(stale.json().error_code, 'VERSION_CONFLICT');
      assert.equal((await update(manager, { priority: 12, version: 2 })).statusCode, 200);
      const missing = await update(manager, { priority: 13 });
      assert.equal(missing.statusCode, 428);
      assert.equal(missing.json().error_code, 'VERSION_REQUIRED');
      const duplicate = await post('/api/v1/principles', { ...NEW_PRINCIPLE, key: 'draft-idea' }, manager);
      assert.equal(duplicate.statusCode, 409);
      assert.equal(duplicate.json().error_code, 'DUPLICATE_KEY');

      const activeId = (await get('/api/v1/principles?q=injection')).json().items[0].id;
      const editActive = await app.inject({
        method: 'PUT',
        url: `/api/v1/principles/${activeId}`,
        headers: { ...admin, 'if-match': '"1"' },
        payload: { ...NEW_PRINCIPLE, key: 'block-prompt-injection' },
      });
      assert.equal(editActive.statusCode, 409);
      assert.equal(editActive.json().error_code, 'PRINCIPLE_NOT_DRAFT');
      const deleteActive = await app.inject({
        method: 'DELETE',
        url: `/api/v1/principles/${activeId}`,
        headers: admin,
      });
      assert.equal(deleteActive.statusCode, 409);
      assert.equal(
        (await app.inject({ method: 'DELETE', url: `/api/v1/principles/${id}`, headers: manager })).statusCode,
        204,
      );
    });

    it('answers bad input with a clear 4xx and changes nothing', async () => {
      const counts = async () =>
        (
          await env.platform.db.query<{ a: number; p: number; v: number }>(
            'SELECT (SELECT count(*)::int FROM amendments) AS a, (SELECT count(*)::int FROM principles) AS p, (SELECT count(*)::int FROM constitution_versions) AS v',
          )
        )[0];
      const before = await counts();
      const badConstraint = await post(
        '/api/v1/principles',
        {
          ...NEW_PRINCIPLE,
          key: 'broken',
          constraints: [
            {
              effect: 'forbid',
              actions: ['tool_call'],
              when: [{ attr: 'context.tool', op: 'containsAny', value: 'payments' }],
            },
          ],
        },
        manager,
      );
      assert.equal(badConstraint.statusCode, 400);
      assert.equal(badConstraint.json().error_code, 'INVALID_PRINCIPLE');
      assert.match(badConstraint.json().detail, /\/constraints\/0\/when\/0\/value/);
      const unknownKey = await post(
        BASE,
        { title: 'x', rationale: 'y', changes: [{ op: 'repeal_principle', key: 'no-such-principle' }] },
        manager,
      );
      assert.equal(unknownKey.statusCode, 400);
      assert.match(unknownKey.json().detail, /\/changes\/0\/key: no active principle "no-such-principle"/);
      const duplicateAdd = await post(
        BASE,
        {
          title: 'x',
          rationale: 'y',
          changes: [{ op: 'add_principle', principle: { ...NEW_PRINCIPLE, key: 'block-prompt-injection' } }],
        },
        manager,
      );
      assert.equal(duplicateAdd.statusCode, 400);
      const unknownOp = await post(
        BASE,
        { title: 'x', rationale: 'y', changes: [{ op: 'rewrite_everything' }] },
        manager,
      );
      assert.equal(unknownOp.statusCode, 400);
      // Well-formed but meaningless under the governance schema: refused with a pointer to the field, nothing stored.
      const illTyped = await post(
        BASE,
        {
          title: 'x',
          rationale: 'y',
          changes: [
            {
              op: 'add_principle',
              principle: {
                ...NEW_PRINCIPLE,
                key: 'ill-typed',
                constraints: [
                  {
                    effect: 'forbid',
                    actions: ['tool_call'],
                    when: [{ attr: 'context.risk', op: 'eq', value: 'high' }],
                  },
                ],
              },
            },
          ],
        },
        manager,
      );
      assert.equal(illTyped.statusCode, 400);
      assert.match(
        illTyped.json().detail,
        /\/changes\/0\/principle\/constraints\/0\/when\/0\/value: context\.risk is a Long/,
      );
      assert.deepEqual(await counts(), before);

      const amendment = await propose([
        { op: 'modify_principle', key: 'block-prompt-injection', changes: { priority: 91 } },
      ]);
      const past = await post(
        `${BASE}/${amendment.id}/open`,
        { deadline: new Date(Date.now() - 60_000).toISOString() },
        manager,
      );
      assert.equal(past.statusCode, 400);
      assert.equal(past.json().error_code, 'DEADLINE_IN_PAST');
      const notOpen = await vote(amendment.id, council[0]!, 'for');
      assert.equal(notOpen.statusCode, 409);
      await openAmendment(amendment.id);
      const byManager = await vote(amendment.id, manager, 'for');
      assert.equal(byManager.statusCode, 403);
      const badVote = await post(`${BASE}/${amendment.id}/vote`, { vote: 'maybe' }, council[0]!);
      assert.equal(badVote.statusCode, 400);
      const overlapping = await post(
        BASE,
        { title: 'x', rationale: 'y', changes: [{ op: 'repeal_principle', key: 'block-prompt-injection' }] },
        manager,
      );
      assert.equal(overlapping.statusCode, 409);
      assert.equal(overlapping.json().error_code, 'AMENDMENT_CONFLICT');
      assert.equal(
        (await post(`${BASE}/${amendment.id}/withdraw`, {}, council[0]!)).statusCode,
        403,
        'only the proposer or an admin',
      );
      assert.equal((await post(`${BASE}/${amendment.id}/withdraw`, {}, manager)).json().status, 'withdrawn');
      assert.equal((await vote(amendment.id, council[0]!, 'for')).statusCode, 409);
    });

    it('gives auditors read-only access and agents none', async () => {
      assert.equal((await get('/api/v1/constitution', auditor)).statusCode, 200);
      assert.equal((await get('/api/v1/principles', auditor)).statusCode, 200);
      assert.equal((await post('/api/v1/principles', NEW_PRINCIPLE, auditor)).statusCode, 403);
      assert.equal((await post(BASE, { title: 'x', rationale: 'y', changes: [] }, auditor)).statusCode, 403);
      assert.equal((await get('/api/v1/constitution', agent)).statusCode, 403);
      assert.equal((await get(BASE, agent)).statusCode, 403);
    });

    it('comments are kept in order', async () => {
      const amendment = await propose([
        { op: 'modify_principle', key: 'no-secrets-in-outputs', changes: { priority: 96 } },
      ]);
      assert.equal((await post(`${BASE}/${amendment.id}/comments`, { body: 'first' }, council[0]!)).statusCode, 201);
      assert.equal((await post(`${BASE}/${amendment.id}/comments`, { body: 'second' }, manager)).statusCode, 201);
      assert.equal((await post(`${BASE}/${amendment.id}/comments`, { body: 'no' }, auditor)).statusCode, 403);
      const comments = (await get(`${BASE}/${amendment.id}/comments`, auditor))
        .json()
        .items.map((c: { body: string }) => c.body);
      assert.deepEqual(comments, ['first', 'second']);
      await post(`${BASE}/${amendment.id}/withdraw`, {}, manager);
    });

    it('expires an amendment whose deadline passes without quorum', async () => {
      const amendment = await propose([
        { op: 'modify_principle', key: 'withhold-unsafe-outputs', changes: { priority: 99 } },
      ]);
      await openAmendment(amendment.id, manager, new Date(Date.now() + 800).toISOString());
      await vote(amendment.id, council[0]!, 'for');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const expired = (await get(`${BASE}/${amendment.id}`)).json();
      assert.equal(expired.status, 'expired');
      assert.equal(expired.outcome.quorumMet, false);
    });

    it('concurrent votes and concurrent enactments lose nothing and enact once', async () => {
      const versionBefore = (await get('/api/v1/constitution')).json().version;
      const a = await propose([
        { op: 'modify_principle', key: 'no-sensitive-pii-in-memory', changes: { priority: 81 } },
      ]);
      const b = await propose([
        { op: 'modify_principle', key: 'restricted-data-needs-approval', changes: { priority: 86 } },
      ]);
      await openAmendment(a.id);
      await openAmendment(b.id);
      // Quorum is 2 and the threshold 1/2 after the earlier meta-rule amendment; council of 5: 3 for decides.
      const results = await Promise.all(
        council.slice(0, 4).flatMap((member) => [vote(a.id, member, 'for'), vote(b.id, member, 'for')]),
      );
      assert.ok(
        results.every((response) => response.statusCode === 200 || response.json().error_code === 'VOTING_CLOSED'),
        results.map((r) => r.body).join('\n'),
      );
      const finalA = (await get(`${BASE}/${a.id}`)).json();
      const finalB = (await get(`${BASE}/${b.id}`)).json();
      assert.equal(finalA.status, 'enacted');
      assert.equal(finalB.status, 'enacted');
      assert.deepEqual([finalA.enacted_version, finalB.enacted_version].sort(), [versionBefore + 1, versionBefore + 2]);
      const versions = (await get('/api/v1/constitution/versions')).json().items;
      assert.equal(versions.length, versionBefore + 2);
      const current = (await get('/api/v1/constitution')).json();
      assert.equal(
        current.principles.find((p: { key: string }) => p.key === 'no-sensitive-pii-in-memory').priority,
        81,
      );
      assert.equal(
        current.principles.find((p: { key: string }) => p.key === 'restricted-data-needs-approval').priority,
        86,
      );
      const enactments = await env.platform.db.query(
        `SELECT 1 FROM audit_logs WHERE action = 'constitution.enacted' AND details->>'amendment_id' IN ($1, $2)`,
        [a.id, b.id],
      );
      assert.equal(enactments.length, 2);
    });
  });
}

describe('constitution hash across backends', () => {
  it('is identical on every backend for the same content', () => {
    const hashes = Object.values(observed);
    assert.ok(hashes.length >= 1);
    assert.ok(
      hashes.every((hash) => hash === KNOWN_ANSWER.starterHash),
      JSON.stringify(observed),
    );
  });
});

for (const backend of await backends()) {
  describe(`empty constitution bootstrap on ${backend}`, () => {
    it('lets an admin set meta-rules and enact drafts as version 1, once', async (t) => {
      const env = await createTestPlatform(backend, { env: { ACGS_STARTER_CONSTITUTION: 'false' } });
      const app = await createTestApp('ac', env.platform);
      cleanupAfter(
        t,
        () => app.close(),
        () => env.cleanup(),
      );
      const admin = (await tokenFor(env.platform, ['admin'])).headers;
      const manager = (await tokenFor(env.platform, ['policy_manager'])).headers;
      const none = await app.inject({ method: 'GET', url: '/api/v1/constitution', headers: admin });
      assert.equal(none.statusCode, 404);
      assert.equal(none.json().error_code, 'NO_CONSTITUTION');
      const emptyBootstrap = await app.inject({
        method: 'POST',
        url: '/api/v1/constitution/bootstrap',
        headers: admin,
      });
      assert.equal(emptyBootstrap.json().error_code, 'NO_DRAFTS');
      const rules = KNOWN_ANSWER.document.meta_rules;
      assert.equal(
        (await app.inject({ method: 'PUT', url: '/api/v1/meta-rules', headers: manager, payload: rules })).statusCode,
        403,
      );
      assert.equal(
        (await app.inject({ method: 'PUT', url: '/api/v1/meta-rules', headers: admin, payload: rules })).statusCode,
        200,
      );
      const badRules = await app.inject({
        method: 'PUT',
        url: '/api/v1/meta-rules',
        headers: admin,
        payload: {
          ...rules,
          amendments: { ...rules.amendments, approval_threshold: { numerator: 3, denominator: 2 } },
        },
      });
      assert.equal(badRules.statusCode, 400);
      const draft = KNOWN_ANSWER.document.principles[0]!;
      assert.equal(
        (await app.inject({ method: 'POST', url: '/api/v1/principles', headers: manager, payload: draft })).statusCode,
        201,
      );
      assert.equal(
        (await app.inject({ method: 'POST', url: '/api/v1/constitution/bootstrap', headers: manager })).statusCode,
        403,
      );
      const enacted = await app.inject({ method: 'POST', url: '/api/v1/constitution/bootstrap', headers: admin });
      assert.equal(enacted.statusCode, 201, enacted.body);
      assert.equal(enacted.json().version, 1);
      assert.equal(
        enacted.json().hash,
        KNOWN_ANSWER.hash,
        'the bootstrapped constitution is exactly the known-answer document',
      );
      const again = await app.inject({ method: 'POST', url: '/api/v1/constitution/bootstrap', headers: admin });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error_code, 'CONSTITUTION_EXISTS');
    });
  });
}
