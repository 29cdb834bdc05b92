import { Type } from '@sinclair/typebox';
import type { PrincipleDrafts } from '../../../domain/constitution/principle-drafts.js';
import { errorResponses, UuidParam } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import * as S from '../schemas.js';
import type { Static } from '@sinclair/typebox';
import type { Constraint, PrincipleContent } from '../../../domain/constitution/types.js';
import { keysetPage } from '../../../domain/pagination.js';
import { actorOf, expectedVersion } from '../access.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';
import { principleView } from '../views.js';

const toContent = (body: Static<typeof S.PrincipleContentSchema>): PrincipleContent => ({
  ...body,
  constraints: body.constraints as Constraint[],
});

/** Principles: drafted, edited and retired by policy managers, read by everyone with a governance role. */
export function registerPrincipleRoutes(app: ServiceApp, principles: PrincipleDrafts): void {
  app.get(
    '/api/v1/principles',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['principles'],
        summary: 'List principles (filters, cursor pagination by key)',
        querystring: S.PrincipleListQuery,
        response: { 200: S.PrincipleList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, category, q: text, cursor, limit = 50 } = request.query;
      const page = await keysetPage(
        limit,
        (rows) => principles.listPrinciples({ status, category, text, afterKey: cursor, limit: rows }),
        (last) => last.key,
      );
      return { ...page, items: page.items.map(principleView) };
    },
  );

  app.post(
    '/api/v1/principles',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['principles'],
        summary: 'Create a draft principle (active ones come only by amendment)',
        body: S.PrincipleContentSchema,
        response: { 201: S.PrincipleWithWarningsView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { principle, warnings } = await principles.createDraft(actorOf(request), toContent(request.body));
      return reply
        .status(201)
        .header('etag', `"${principle.version}"`)
        .send({ ...principleView(principle), warnings });
    },
  );

  app.get(
    '/api/v1/principles/:id',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['principles'],
        summary: 'One principle; ETag is its version',
        params: UuidParam,
        response: { 200: S.PrincipleView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principle = await principles.principle(request.params.id);
      return reply.header('etag', `"${principle.version}"`).send(principleView(principle));
    },
  );

  app.put(
    '/api/v1/principles/:id',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['principles'],
        summary: 'Edit a draft; stale versions get 409 VERSION_CONFLICT',
        params: UuidParam,
        body: S.PrincipleUpdateSchema,
        response: { 200: S.PrincipleWithWarningsView, ...errorResponses(400, 401, 403, 404, 409, 428) },
      },
    },
    async (request, reply) => {
      const { version, ...content } = request.body;
      const { principle, warnings } = await principles.updateDraft(
        actorOf(request),
        request.params.id,
        toContent(content),
        expectedVersion(request, version),
      );
      return reply.header('etag', `"${principle.version}"`).send({ ...principleView(principle), warnings });
    },
  );

  app.delete(
    '/api/v1/principles/:id',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['principles'],
        summary: 'Delete a draft (active principles are repealed by amendment)',
        params: UuidParam,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await principles.deleteDraft(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
