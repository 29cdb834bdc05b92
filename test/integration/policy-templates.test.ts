import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { governanceApps, type GovernanceApps } from '../support/governance-apps.js';
import { backends, createTestPlatform, type TestPlatform } from '../support/harness.js';
import { STARTER_PRINCIPLES } from '../../src/domain/constitution/starter.js';
import { enactConstitution } from '../support/constitution.js';
import { waitFor } from '../support/process.js';

/**
 * The starter constitution with tool calls left to policy: its baseline says "allowed unless a principle forbids",
 * under which a new forbid that no constraint backs would not conform; this one neither requires nor forbids them.
 */
const TOOLS_LEFT_TO_POLICY = STARTER_PRINCIPLES.map((principle) =>
  principle.key !== 'baseline-governed-actions'
    ? principle
    : {
        ...principle,
        constraints: [
          { effect: 'permit' as const, actions: principle.constraints[0]!.actions.filter((a) => a !== 'tool_call') },
        ],
      },
);

type Headers = Record<string, string>;

const TEMPLATE = {
  id: 'tool-needs-approval',
  name: 'A tool this agent may only use with approval',
  source: `@principle("human-approval-for-high-risk-tools")
@obligation("require_human_review")
forbid (principal == ?principal, action == Action::"tool_call", resource == ?resource)
unless { context.human_approved };`,
  parameters: { principal: { entity_types: ['Agent'] }, resource: { entity_types: ['Tool'] } },
};

for (const backend of await backends()) {
  describe(`policy templates on ${backend}`, () => {
    let env: TestPlatform;
    let apps: GovernanceApps;
    let integrity: FastifyInstance;
    let pgc: FastifyInstance;
    let gs: FastifyInstance;
    let manager: Headers;
    let reviewer: Headers;
    let agent: Headers;
    const base = '/api/v1/policy-management/templates';

    before(async () => {
      env = await createTestPlatform(backend, { env: { ACGS_STARTER_CONSTITUTION: 'false' } });
      apps = await governanceApps(env.platform, (ac) => enactConstitution(ac, env.platform, TOOLS_LEFT_TO_POLICY));
      ({ integrity, pgc, gs, author: manager, approver: reviewer, agent } = apps);
    });
    after(async () => {
      await apps.close();
      await env.cleanup();
    });

    const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, headers = manager) =>
      gs.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });

    it('refuses templates that are not one valid Cedar template with exactly its slots typed, and stores nothing', async () => {
      const cases: [object, RegExp][] = [
        [{ ...TEMPLATE, source: 'forbid (principal, action, resource);' }, /exactly one Cedar template/],
        [
          { ...TEMPLATE, parameters: { principal: { entity_types: ['Agent'] } } },
          /\/parameters\/resource: the template uses \?resource/,
        ],
        [
          { ...TEMPLATE, parameters: { ...TEMPLATE.parameters, principal: { entity_types: ['Robot'] } } },
          /"Robot" is not an entity type/,
        ],
        [
          { ...TEMPLATE, source: TEMPLATE.source.replace('context.human_approved', 'context.approved_by_boss') },
          /approved_by_boss/,
        ],
        [{ ...TEMPLATE, source: 'forbid (principal == ?principal, action, resource) when {' }, /\/source/],
      ];
      for (const [body, detail] of cases) {
        const refused = await call('POST', base, body);
        assert.equal(refused.statusCode, 400, refused.body);
        assert.equal(refused.json().error_code, 'INVALID_TEMPLATE');
        assert.match(refused.json().detail, detail);
      }
      assert.deepEqual((await call('GET', base)).json().items, []);
    });

    it('stores, versions and links a template into a verified draft that a second person activates and PGC enforces', async () => {
      const created = await call('POST', base, TEMPLATE);
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().version, 1);
      assert.equal((await call('POST', base, TEMPLATE)).json().error_code, 'TEMPLATE_EXISTS');
      const updated = await call('PUT', `${base}/${TEMPLATE.id}`, { ...TEMPLATE, name: 'Renamed' });
      assert.equal(updated.statusCode, 400, "the id is the path's, not the body's");
      const renamed = await call('PUT', `${base}/${TEMPLATE.id}`, {
        name: 'Renamed',
        source: TEMPLATE.source,
        parameters: TEMPLATE.parameters,
      });
      assert.equal(renamed.json().version, 2);

      const wrongType = await call('POST', `${base}/${TEMPLATE.id}/instantiate`, {
        policy_id: 'builder-shell',
        principal: { type: 'User', id: 'builder' },
        resource: { type: 'Tool', id: 'shell' },
      });
      assert.equal(wrongType.statusCode, 400);
      assert.equal(wrongType.json().error_code, 'INVALID_TEMPLATE_LINK');
      assert.match(wrongType.json().detail, /\/principal\/type: must be one of Agent/);
      const missingSlot = await call('POST', `${base}/${TEMPLATE.id}/instantiate`, {
        policy_id: 'builder-shell',
        principal: { type: 'Agent', id: 'builder' },
      });
      assert.match(missingSlot.json().detail, /\/resource: the template's \?resource needs an entity/);

      const linked = await call('POST', `${base}/${TEMPLATE.id}/instantiate`, {
        policy_id: 'builder-shell',
        principal: { type: 'Agent', id: 'builder' },
        resource: { type: 'Tool', id: 'shell' },
      });
      assert.equal(linked.statusCode, 201, linked.body);
      const policy = linked.json();
      assert.equal(policy.status, 'verified');
      assert.match(policy.source, /@template\("tool-needs-approval"\)/);
      assert.match(policy.source, /principal == Agent::"builder"/);
      assert.ok(policy.verification_report.policy_checks);
      const library = (await call('GET', `${base}/${TEMPLATE.id}`)).json();
      assert.deepEqual(
        library.links.map((l: { policy_id: string; template_version: number }) => [l.policy_id, l.template_version]),
        [['builder-shell', 2]],
      );
      assert.equal((await call('DELETE', `${base}/${TEMPLATE.id}`)).json().error_code, 'TEMPLATE_IN_USE');

      for (const step of ['approve', 'activate']) {
        const moved = await integrity.inject({
          method: 'POST',
          url: `/api/v1/policies/builder-shell/${step}`,
          headers: reviewer,
        });
        assert.equal(moved.statusCode, 200, `${step}: ${moved.body}`);
      }
      const request = (id: string) => ({
        principal: { type: 'Agent', id },
        action: 'tool_call',
        resource: { type: 'Tool', id: 'shell' },
        context: { tool: 'shell' },
      });
      await waitFor(
        async () =>
          (
            await pgc.inject({
              method: 'POST',
              url: '/api/v1/enforcement/evaluate',
              headers: agent,
              payload: request('builder'),
            })
          ).json().decision === 'deny',
        15_000,
        'PGC to enforce the linked policy',
      );
      const other = await pgc.inject({
        method: 'POST',
        url: '/api/v1/enforcement/evaluate',
        headers: agent,
        payload: request('reviewer-bot'),
      });
      assert.equal(other.json().decision, 'allow', 'the link binds this agent only');

      const revoked = await integrity.inject({
        method: 'POST',
        url: '/api/v1/policies/builder-shell/revoke',
        headers: reviewer,
      });
      assert.equal(revoked.statusCode, 200);
      assert.equal((await call('DELETE', `${base}/${TEMPLATE.id}`)).statusCode, 204);
      assert.equal((await call('GET', `${base}/${TEMPLATE.id}`)).statusCode, 404);
      assert.equal((await call('POST', base, TEMPLATE, agent)).statusCode, 403);
    });
  });
}
