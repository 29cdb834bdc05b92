import { Type } from '@sinclair/typebox';
import { principalOf } from '../../../platform/http/access.js';
import { AppealList, AppealView, PolicyReviewList, PolicyReviewView, ResolvedAppealView } from '../schemas.js';
import { errorResponses, UuidParam } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { IntegrityContext } from '../context.js';
import { createdAtIdCursor } from '../../../domain/pagination.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

const FileBody = Type.Object(
  {
    decision_id: Type.String({ format: 'uuid' }),
    reason: Type.String({ minLength: 1, maxLength: 4000, description: 'Why the decision is wrong' }),
  },
  { additionalProperties: false },
);
const ResolveBody = Type.Object(
  {
    outcome: Type.Union([Type.Literal('upheld'), Type.Literal('overturned')]),
    rationale: Type.String({ minLength: 1, maxLength: 4000 }),
  },
  { additionalProperties: false },
);
const CloseBody = Type.Object(
  { note: Type.String({ minLength: 1, maxLength: 4000, description: 'What the review concluded' }) },
  { additionalProperties: false },
);
const page = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};
const AppealListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('upheld'), Type.Literal('overturned')])),
    ...page,
  },
  { additionalProperties: false },
);
const ReviewListQuery = Type.Object(
  { status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])), ...page },
  { additionalProperties: false },
);

/** People see every appeal and every review item; anyone else sees only their own. */
const oversees = (roles: readonly string[]) =>
  roles.some((role) => (AUDIENCES.people as readonly string[]).includes(role));

/** Appeals of enforcement decisions; an overturned decision opens a review of the policies behind it. */
export function registerAppealRoutes(app: ServiceApp, { appeals }: IntegrityContext): void {
  app.post(
    '/api/v1/appeals',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['appeals'],
        summary: 'Appeal a decision: by the principal it affected, or by any person',
        body: FileBody,
        response: { 201: AppealView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const caller = principalOf(request);
      return reply.status(201).send(await appeals.file(caller, request.body.decision_id, request.body.reason));
    },
  );

  app.get(
    '/api/v1/appeals',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['appeals'],
        summary: 'Appeals, newest first: all of them for overseers, your own otherwise',
        querystring: AppealListQuery,
        response: { 200: AppealList, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const caller = principalOf(request);
      return appeals.list({
        status: request.query.status,
        appellantId: oversees(caller.roles) ? undefined : caller.userId,
        after: createdAtIdCursor.decode(request.query.cursor),
        limit: request.query.limit ?? 50,
      });
    },
  );

  app.get(
    '/api/v1/appeals/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['appeals'],
        summary: 'One appeal (overseers, or whoever filed it)',
        params: UuidParam,
        response: { 200: AppealView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const caller = principalOf(request);
      // Someone else's appeal is reported as absent, not forbidden, so ids cannot be probed.
      return appeals.get(request.params.id, oversees(caller.roles) ? null : caller.userId);
    },
  );

  app.post(
    '/api/v1/appeals/:id/resolve',
    {
      config: { access: AUDIENCES.appealReviewers },
      schema: {
        tags: ['appeals'],
        summary:
          'Uphold or overturn the decision (auditor or council member, not the appellant); overturning opens a policy review item',
        params: UuidParam,
        body: ResolveBody,
        response: { 200: ResolvedAppealView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      appeals.resolve(principalOf(request).userId, request.params.id, request.body.outcome, request.body.rationale),
  );

  app.get(
    '/api/v1/policy-reviews',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['appeals'],
        summary: 'Policy review items opened by overturned decisions, newest first',
        querystring: ReviewListQuery,
        response: { 200: PolicyReviewList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) =>
      appeals.listReviews({
        status: request.query.status,
        after: createdAtIdCursor.decode(request.query.cursor),
        limit: request.query.limit ?? 50,
      }),
  );

  app.post(
    '/api/v1/policy-reviews/:id/close',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['appeals'],
        summary: 'Close a review item with what it concluded',
        params: UuidParam,
        body: CloseBody,
        response: { 200: PolicyReviewView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => appeals.closeReview(principalOf(request).userId, request.params.id, request.body.note),
  );
}
