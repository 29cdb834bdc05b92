import { principalOf } from '../../../platform/http/access.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { PolicyStore } from '../../integrity/policy-store.js';
import { PolicyBody as SubmitRuleBody, PolicyVersionView } from '../../integrity/schemas.js';
import type { ActiveBundle } from '../enforcement/active-bundle.js';
import { RulesView } from '../schemas.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

/** Rules: Cedar policies submitted as drafts for review, and the policies in force with their principles. */
export function registerRuleRoutes(app: ServiceApp, active: ActiveBundle, policyStore: PolicyStore): void {
  app.post(
    '/api/v1/enforcement/rules',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['enforcement'],
        summary:
          'Submit a Cedar policy as a draft into the policy store for review (Cedar diagnostics with line and column on 400)',
        body: SubmitRuleBody,
        response: { 201: PolicyVersionView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await policyStore.submit(request.body, principalOf(request).userId, 'either')),
  );

  app.get(
    '/api/v1/enforcement/rules',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['enforcement'],
        summary: 'The policies in force, with the principles they implement',
        response: { 200: RulesView, ...errorResponses(401) },
      },
    },
    async () => {
      const engine = active.engine;
      return {
        bundle_version: engine?.bundle.version ?? null,
        bundle_hash: engine?.bundleHash ?? null,
        constitution_hash: engine?.bundle.constitution_hash ?? null,
        policies: engine?.bundle.policies ?? [],
      };
    },
  );
}
