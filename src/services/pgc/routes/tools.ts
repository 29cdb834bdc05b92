import { principalOf } from '../../../platform/http/access.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp, ServiceContext } from '../../../platform/http/server.js';
import {
  ToolDefinitionApproveBody,
  ToolIdParam,
  ToolListQuery,
  ToolListView,
  ToolSettingBody,
  ToolView,
} from '../mcp/schemas.js';
import type { ToolCatalogue } from '../enforcement/tool-catalogue.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

/** The tool catalogue: what upstream servers said of their tools, and the risk and classification an admin set. */
export function registerToolRoutes(app: ServiceApp, { platform }: ServiceContext, catalogue: ToolCatalogue): void {
  app.get(
    '/api/v1/tools',
    {
      config: { access: AUDIENCES.overseers },
      schema: {
        tags: ['tools'],
        summary: 'The tool catalogue, with the attributes each tool gives Cedar',
        querystring: ToolListQuery,
        response: { 200: ToolListView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ items: await catalogue.list(request.query.server) }),
  );

  app.get(
    '/api/v1/tools/:id',
    {
      config: { access: AUDIENCES.overseers },
      schema: {
        tags: ['tools'],
        summary: 'One catalogued tool',
        params: ToolIdParam,
        response: { 200: ToolView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => catalogue.get(request.params.id),
  );

  app.put(
    '/api/v1/tools/:id',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['tools'],
        summary:
          "Set a tool's risk (0–100) and data classification (null: from its annotations); catalogues a tool no server lists",
        params: ToolIdParam,
        body: ToolSettingBody,
        response: { 200: ToolView, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const actor = principalOf(request).userId;
      return platform.db.transaction(async (tx) => {
        const entry = await catalogue.set(request.params.id, request.body, actor, tx);
        await platform.audit.record(
          {
            userId: actor,
            action: 'tool.classified',
            resource: `tool:${entry.id}`,
            details: { risk: entry.risk, data_classification: entry.data_classification, effective: entry.effective },
          },
          tx,
        );
        return entry;
      });
    },
  );

  app.post(
    '/api/v1/tools/:id/definition/approve',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['tools'],
        summary:
          'Approve the definition an upstream changed a tool to (compare definition.pending with the pinned fields first): it becomes the pinned one, and the tool is listed and callable again',
        params: ToolIdParam,
        body: ToolDefinitionApproveBody,
        response: { 200: ToolView, ...errorResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const actor = principalOf(request).userId;
      return platform.db.transaction(async (tx) => {
        const before = await catalogue.get(request.params.id, tx);
        const entry = await catalogue.approveDefinition(request.params.id, request.body.digest, actor, tx);
        await platform.audit.record(
          {
            userId: actor,
            action: 'tool.definition_approved',
            resource: `tool:${entry.id}`,
            details: {
              previous_digest: before.definition.digest,
              digest: entry.definition.digest,
              injection_score: entry.injection_score,
              effective: entry.effective,
            },
          },
          tx,
        );
        return entry;
      });
    },
  );
}
