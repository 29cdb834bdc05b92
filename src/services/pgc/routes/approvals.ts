import { Type } from '@sinclair/typebox';
import type { Role } from '../../../domain/auth/roles.js';
import { createdAtIdCursor } from '../../../domain/pagination.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses, Nullable, OneOf, PageOf, Time, UuidParam } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { ApprovalStore } from '../enforcement/approval-store.js';

const ApprovalView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    decision_id: Type.String({ format: 'uuid', description: 'The decision that held the request' }),
    requester_id: Type.String({ format: 'uuid' }),
    owner_id: Nullable(Type.String({ format: 'uuid', description: "Who issued the requester's API key" })),
    independent: Type.Boolean({ description: "A policy asks that the agent's owner not approve" }),
    principal: Type.Object({ type: Type.String(), id: Type.String() }, { additionalProperties: false }),
    action: Type.String(),
    resource_type: Type.String(),
    resource_id: Type.String(),
    content_digest: Nullable(Type.String({ description: 'SHA-256 of the content (a tool call: its arguments)' })),
    policy_ids: Type.Array(Type.String()),
    principles: Type.Array(Type.String()),
    status: OneOf(['pending', 'approved', 'rejected', 'used']),
    reason: Nullable(Type.String()),
    decided_by: Nullable(Type.String({ format: 'uuid' })),
    decided_at: Nullable(Time),
    expires_at: Type.String({
      format: 'date-time',
      description: 'Pending: when it lapses. Approved: grant valid until',
    }),
    used_by_decision: Nullable(Type.String({ format: 'uuid' })),
    used_at: Nullable(Time),
    created_at: Time,
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    status: Type.Optional(OneOf(['pending', 'approved', 'rejected', 'used'])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const VerdictBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) },
  { additionalProperties: false },
);

/** Human approval of requests a policy held for review: listed, and decided by people holding an approver role. */
export function registerApprovalRoutes(
  app: ServiceApp,
  approvals: ApprovalStore,
  approverRoles: readonly Role[],
): void {
  const readers = [...new Set<Role>([...approverRoles, 'auditor'])];

  app.get(
    '/api/v1/approvals',
    {
      config: { access: readers },
      schema: {
        tags: ['approvals'],
        summary: 'Approval requests, newest first (filter by status)',
        querystring: ListQuery,
        response: { 200: PageOf(ApprovalView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) =>
      approvals.list({
        ...(request.query.status === undefined ? {} : { status: request.query.status }),
        after: createdAtIdCursor.decode(request.query.cursor),
        limit: request.query.limit ?? 50,
      }),
  );

  app.get(
    '/api/v1/approvals/:id',
    {
      config: { access: readers },
      schema: {
        tags: ['approvals'],
        summary: 'One approval request',
        params: UuidParam,
        response: { 200: ApprovalView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => approvals.get(request.params.id),
  );

  for (const verdict of ['approve', 'reject'] as const)
    app.post(
      `/api/v1/approvals/:id/${verdict}`,
      {
        config: { access: approverRoles },
        schema: {
          tags: ['approvals'],
          summary:
            verdict === 'approve'
              ? 'Approve a held request: the same request (same arguments) is then allowed once, until the grant expires'
              : 'Reject a held request',
          params: UuidParam,
          body: VerdictBody,
          response: { 200: ApprovalView, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) =>
        approvals.decide(principalOf(request).userId, request.params.id, verdict, request.body.reason ?? null),
    );
}
