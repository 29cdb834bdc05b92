import assert from 'node:assert/strict';
import { constitutionReader } from '../../src/services/ac/constitution-reader.js';
import { after, before, describe, it, type TestContext } from 'node:test';
import { loadConfig } from '../../src/platform/config.js';
import { fakeModerationServer } from '../support/fake-moderation.js';
import type { PrincipleContent } from '../../src/domain/constitution/types.js';
import { GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';
import { schemaShape } from '../../src/domain/policy/schema-shape.js';
import { compilePrinciples, policyMap } from '../../src/domain/synthesis/compiler.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { buildAndActivateBundle } from '../../src/services/integrity/bundle-builder.js';
import {
  apiKeyFor,
  cleanupAfter,
  createTestApp,
  createTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../support/harness.js';

const respond = (content: string) => ({
  principal: { type: 'Agent', id: 'bot' },
  action: 'respond',
  resource: { type: 'Model', id: 'm' },
  content,
});

/** pgc over the constitution service (which loads the starter constitution), both closed after the test. */
async function enforcementApps(t: TestContext, env: TestPlatform) {
  const ac = await createTestApp('ac', env.platform);
  const pgc = await createTestApp('pgc', env.platform);
  cleanupAfter(
    t,
    () => pgc.close(),
    () => ac.close(),
    () => env.cleanup(),
  );
  return pgc;
}

describe('external classifier and keyword lists (PGlite)', () => {
  let fake: Awaited<ReturnType<typeof fakeModerationServer>>;
  before(async () => {
    fake = await fakeModerationServer();
  });
  after(() => fake.server.close());

  for (const mode of ['closed', 'open'] as const) {
    it(`maps flagged categories to unsafe_categories and fails ${mode} on timeout`, async (t) => {
      const env = await createTestPlatform('pglite', {
        env: {
          ACGS_CLASSIFIER_URL: fake.url,
          ACGS_CLASSIFIER_API_KEY: 'moderation-key',
          ACGS_CLASSIFIER_TIMEOUT_MS: '200',
          ACGS_CLASSIFIER_FAIL_MODE: mode,
          ACGS_KEYWORD_LISTS: JSON.stringify([{ name: 'competitors', terms: ['Globex'] }]),
        },
      });
      const pgc = await enforcementApps(t, env);
      const agent = (await tokenFor(env.platform, ['agent'])).headers;
      const evaluate = async (content: string) =>
        (
          await pgc.inject({
            method: 'POST',
            url: '/api/v1/enforcement/evaluate',
            headers: agent,
            payload: respond(content),
          })
        ).json();
      const violent = await evaluate('Here is how to attack the building');
      assert.equal(violent.decision, 'deny');
      assert.equal(violent.reasons[0].policy_id, 'withhold-unsafe-outputs.1');
      assert.equal(fake.requests.at(-1)!.model, 'omni-moderation-latest');
      assert.equal((await evaluate('A calm answer about gardening')).decision, 'allow');
      const keyword = await evaluate('Globex is cheaper');
      assert.deepEqual(
        keyword.findings.map((f: { kind: string }) => f.kind),
        ['competitors'],
      );
      const slow = await evaluate('a slow answer about gardening');
      if (mode === 'closed') {
        assert.equal(slow.decision, 'deny');
        assert.equal(slow.reasons[0].error_code, 'CLASSIFIER_UNAVAILABLE');
        assert.match(slow.reasons[0].message, /200 ms/);
      } else {
        assert.equal(slow.decision, 'allow');
      }
      const metrics = (await pgc.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(
        metrics,
        /^acgs_service_calls_total\{source="pgc",target="classifier",status="ok",service="pgc"\} 3$/m,
      );
      assert.match(
        metrics,
        /^acgs_service_calls_total\{source="pgc",target="classifier",status="error",service="pgc"\} 1$/m,
      );
      if (mode === 'closed')
        assert.match(metrics, /^acgs_pgc_fail_closed_total\{reason="CLASSIFIER_UNAVAILABLE",service="pgc"\} 1$/m);
    });
  }

  it("decides an approved request with the classifier's verdict: the grant waives the review, nothing else", async (t) => {
    const env = await createTestPlatform('pglite', {
      env: { ACGS_CLASSIFIER_URL: fake.url, ACGS_CLASSIFIER_API_KEY: 'moderation-key' },
    });
    const pgc = await enforcementApps(t, env);
    const violentToolCalls: PrincipleContent = {
      key: 'no-violent-tool-calls',
      title: 'No tool call carries violent content',
      description: 'Tool calls whose arguments the classifier flags as violent do not run.',
      category: 'safety',
      priority: 100,
      scope: { actions: ['tool_call'], resource_types: ['Tool'] },
      normative_statement: 'A tool call flagged as violence must not run.',
      rationale: 'An approval for a risky tool is not an approval for violent content.',
      constraints: [
        {
          effect: 'forbid',
          actions: ['tool_call'],
          resource_types: ['Tool'],
          when: [{ attr: 'context.unsafe_categories', op: 'containsAny', value: ['violence'] }],
        },
      ],
    };
    await buildAndActivateBundle(
      env.platform,
      constitutionReader,
      { ...starterPolicies(), ...policyMap(compilePrinciples([violentToolCalls], schemaShape(GOVERNANCE_SCHEMA))) },
      null,
    );
    const admin = (await tokenFor(env.platform, ['admin'])).headers;
    const manager = (await tokenFor(env.platform, ['policy_manager'])).headers;
    const agent = (await apiKeyFor(env.platform)).headers;
    const rated = await pgc.inject({
      method: 'PUT',
      url: '/api/v1/tools/ops.deploy',
      headers: admin,
      payload: { risk: 90, data_classification: 'internal' },
    });
    assert.equal(rated.statusCode, 200, rated.body);
    const call = {
      principal: { type: 'Agent', id: 'bot' },
      action: 'tool_call',
      resource: { type: 'Tool', id: 'ops.deploy' },
      content: '{"plan":"attack the building at dawn"}',
    };
    const evaluate = async () =>
      (await pgc.inject({ method: 'POST', url: '/api/v1/enforcement/evaluate', headers: agent, payload: call })).json();
    const held = await evaluate();
    assert.equal(held.decision, 'deny');
    const approvalId = held.obligations.find((o: { type: string }) => o.type === 'require_human_review')?.approval_id;
    assert.ok(approvalId !== undefined, JSON.stringify(held));
    const approved = await pgc.inject({
      method: 'POST',
      url: `/api/v1/approvals/${approvalId}/approve`,
      headers: manager,
      payload: { reason: 'deploy approved' },
    });
    assert.equal(approved.statusCode, 200, approved.body);
    const again = await evaluate();
    assert.equal(again.decision, 'deny', JSON.stringify(again));
    assert.deepEqual(
      again.reasons.map((reason: { policy_id: string }) => reason.policy_id),
      ['no-violent-tool-calls.1'],
      'the approval waived the high-risk review; the classifier still found violence',
    );
  });

  it('refuses to start with a bad keyword list, naming the variable', () => {
    // Checked with the rest of the configuration, before any service (or CLI command) starts.
    for (const lists of ['[{"name": "x", "patterns": ["(unclosed"]}]', 'not json', '[{"name": "Bad Name"}]']) {
      assert.throws(() => loadConfig({ ACGS_KEYWORD_LISTS: lists }), /ACGS_KEYWORD_LISTS/, lists);
    }
    assert.equal(
      loadConfig({ ACGS_KEYWORD_LISTS: '[{"name": "competitors", "terms": ["Globex"]}]' }).enforcement.keywordLists
        .length,
      1,
    );
  });
});
