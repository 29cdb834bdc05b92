import { AUDIENCES } from '../../../domain/auth/roles.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp, ServiceContext } from '../../../platform/http/server.js';
import { UpstreamBody, UpstreamListView, UpstreamNameParam, UpstreamView } from '../llm/schemas.js';
import { upstreamView, type LlmUpstreamRegistry } from '../llm/upstream-registry.js';

/** The model providers the LLM gateway forwards to: registered by an admin, credentials kept and never shown. */
export function registerLlmUpstreamRoutes(
  app: ServiceApp,
  { platform }: ServiceContext,
  registry: LlmUpstreamRegistry,
): void {
  app.get(
    '/api/v1/llm/upstreams',
    {
      config: { access: AUDIENCES.overseers },
      schema: {
        tags: ['llm'],
        summary: 'LLM upstreams the gateway forwards to (whether each has a credential; never the credential)',
        response: { 200: UpstreamListView, ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: (await registry.list()).map(upstreamView) }),
  );

  app.put(
    '/api/v1/llm/upstreams/:name',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['llm'],
        summary: 'Register or replace an LLM upstream: an OpenAI-compatible base URL, its credential and models',
        params: UpstreamNameParam,
        body: UpstreamBody,
        response: { 200: UpstreamView, 201: UpstreamView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const actor = principalOf(request).userId;
      const { body } = request;
      const { upstream, created } = await platform.db.transaction(async (tx) => {
        const saved = await registry.put(
          request.params.name,
          {
            base_url: body.base_url,
            ...(body.credential === undefined ? {} : { credential: body.credential }),
            models: body.models,
            timeout_ms: body.timeout_ms ?? 60_000,
            retries: body.retries ?? 1,
          },
          actor,
          tx,
        );
        await platform.audit.record(
          {
            userId: actor,
            action: saved.created ? 'llm.upstream_registered' : 'llm.upstream_replaced',
            resource: `llm_upstream:${saved.upstream.name}`,
            details: { ...upstreamView(saved.upstream) },
          },
          tx,
        );
        return saved;
      });
      return reply.status(created ? 201 : 200).send(upstreamView(upstream));
    },
  );

  app.delete(
    '/api/v1/llm/upstreams/:name',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['llm'],
        summary: 'Remove an LLM upstream; its models are no longer routed',
        params: UpstreamNameParam,
        response: { 204: { type: 'null', description: 'Removed' }, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const actor = principalOf(request).userId;
      await platform.db.transaction(async (tx) => {
        await registry.remove(request.params.name, tx);
        await platform.audit.record(
          { userId: actor, action: 'llm.upstream_removed', resource: `llm_upstream:${request.params.name}` },
          tx,
        );
      });
      return reply.status(204).send();
    },
  );
}
