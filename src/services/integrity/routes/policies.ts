import type { PolicyAction } from '../../../domain/policy/lifecycle.js';
import { keysetPage } from '../../../domain/pagination.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { IntegrityContext } from '../context.js';
import { enforcedSetHooks } from '../enforced-set.js';
import {
  PolicyVersionParams,
  ListQuery,
  PolicyBody,
  PolicyIdParam,
  PolicyVersionList,
  PolicyVersionView,
  PolicyWithVersionsView,
} from '../schemas.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

/** The policy store and its review lifecycle; activation and revocation rebuild and sign the bundle in force. */
export function registerPolicyRoutes(
  app: ServiceApp,
  { policies: store, keys, gate, changeSets }: IntegrityContext,
): void {
  app.get(
    '/api/v1/policies',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['policies'],
        summary: 'Latest version of each policy, by id',
        querystring: ListQuery,
        response: { 200: PolicyVersionList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, limit = 50, cursor } = request.query;
      return keysetPage(
        limit,
        (rows) => store.list({ status, limit: rows, afterPolicyId: cursor }),
        (last) => last.policy_id,
      );
    },
  );

  app.post(
    '/api/v1/policies',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['policies'],
        summary: 'Create a policy (draft v1); Cedar is validated against the governance schema',
        body: PolicyBody,
        response: { 201: PolicyVersionView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await store.submit(request.body, principalOf(request).userId, 'new')),
  );

  app.get(
    '/api/v1/policies/:id',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['policies'],
        summary: 'The latest version with the list of versions',
        params: PolicyIdParam,
        response: { 200: PolicyWithVersionsView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => store.latest(request.params.id),
  );

  app.get(
    '/api/v1/policies/:id/versions/:version',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['policies'],
        summary: 'One version of a policy with its Cedar source, status and verification report',
        params: PolicyVersionParams,
        response: { 200: PolicyVersionView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => store.version(request.params.id, request.params.version),
  );

  app.put(
    '/api/v1/policies/:id',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['policies'],
        summary: 'Add a new version (versions are immutable); it starts as a draft',
        params: PolicyIdParam,
        body: PolicyBody,
        response: { 200: PolicyVersionView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => store.submit(request.body, principalOf(request).userId, 'next', request.params.id),
  );

  const summaries: Record<PolicyAction, string> = {
    verify:
      'Attach a verification report (schema and Cedar validation until the verification service exists): draft → verified',
    approve: 'Approve a verified version; never by its author (403 TWO_PERSON_RULE)',
    activate: 'Activate an approved version: it supersedes the previous one and a new signed bundle goes into force',
    revoke: 'Revoke a version; revoking the active one takes it out of the bundle in force',
  };
  for (const action of ['verify', 'approve', 'activate', 'revoke'] as const) {
    app.post(
      `/api/v1/policies/:id/${action}`,
      {
        config: { access: AUDIENCES.policyEditors },
        schema: {
          tags: ['policies'],
          summary: summaries[action],
          params: PolicyIdParam,
          response: { 200: PolicyVersionView, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const actorId = principalOf(request).userId;
        // The signing key must exist before the transaction that signs the new bundle opens.
        await keys.active();
        return store.apply(action, request.params.id, actorId, enforcedSetHooks(gate, changeSets, actorId));
      },
    );
  }
}
