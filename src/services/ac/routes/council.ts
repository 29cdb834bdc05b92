import type { Council } from '../../../domain/constitution/council.js';
import { errorResponses, UuidParam } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import * as S from '../schemas.js';
import { createdAtIdCursor, keysetPage } from '../../../domain/pagination.js';
import type { AmendmentRecord } from '../../../domain/constitution/store.js';
import type { AmendmentChange } from '../../../domain/constitution/types.js';
import { actorOf } from '../access.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';
import { amendmentView } from '../views.js';

/** The constitutional council: amendments proposed, opened, voted on, commented, and closed by their rules. */
export function registerCouncilRoutes(app: ServiceApp, council: Council): void {
  const amendments = '/api/v1/constitutional-council/amendments';

  app.get(
    amendments,
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['council'],
        summary: 'Amendments, newest first',
        querystring: S.AmendmentListQuery,
        response: { 200: S.AmendmentList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, cursor, limit = 50 } = request.query;
      const page = await keysetPage(
        limit,
        (rows) =>
          council.listAmendments({
            status: status as AmendmentRecord['status'] | undefined,
            limit: rows,
            before: createdAtIdCursor.decode(cursor),
          }),
        (last) => createdAtIdCursor.encode(last.createdAt, last.id),
      );
      return { ...page, items: page.items.map(amendmentView) };
    },
  );

  app.post(
    amendments,
    {
      config: { access: AUDIENCES.drafters },
      schema: {
        tags: ['council'],
        summary: 'Propose an amendment (a draft until opened)',
        body: S.ProposeBody,
        response: { 201: S.AmendmentWithWarningsView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { amendment, warnings } = await council.propose(actorOf(request), {
        ...request.body,
        changes: request.body.changes as AmendmentChange[],
      });
      return reply.status(201).send({ ...amendmentView(amendment), warnings });
    },
  );

  app.get(
    `${amendments}/:id`,
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['council'],
        summary: 'One amendment with its votes',
        params: UuidParam,
        response: { 200: S.AmendmentWithVotesView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const amendment = await council.amendment(request.params.id);
      const votes = await council.votes(amendment.id);
      return {
        ...amendmentView(amendment),
        votes: votes.map((vote) => ({
          voter_id: vote.voterId,
          vote: vote.vote,
          reason: vote.reason,
          cast_at: vote.castAt.toISOString(),
          updated_at: vote.updatedAt.toISOString(),
        })),
      };
    },
  );

  app.post(
    `${amendments}/:id/open`,
    {
      config: { access: AUDIENCES.drafters },
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['council'],
        summary: 'Open voting (proposer or admin)',
        params: UuidParam,
        body: S.OpenBody,
        response: { 200: S.AmendmentView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const deadline = request.body?.deadline === undefined ? null : new Date(request.body.deadline);
      return amendmentView(await council.open(actorOf(request), request.params.id, deadline));
    },
  );

  app.post(
    `${amendments}/:id/withdraw`,
    {
      config: { access: AUDIENCES.drafters },
      schema: {
        tags: ['council'],
        summary: 'Withdraw a draft or open amendment (proposer or admin)',
        params: UuidParam,
        response: { 200: S.AmendmentView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => amendmentView(await council.withdraw(actorOf(request), request.params.id)),
  );

  app.post(
    `${amendments}/:id/vote`,
    {
      config: { access: AUDIENCES.drafters },
      schema: {
        tags: ['council'],
        summary: 'Cast or change your vote; closes and enacts as soon as the outcome is certain',
        params: UuidParam,
        body: S.VoteBody,
        response: { 200: S.AmendmentView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      amendmentView(
        await council.vote(actorOf(request), request.params.id, request.body.vote, request.body.reason ?? ''),
      ),
  );

  app.get(
    `${amendments}/:id/comments`,
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['council'],
        summary: 'Discussion of an amendment',
        params: UuidParam,
        response: { 200: S.CommentList, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      items: (await council.comments(request.params.id)).map((comment) => ({
        id: comment.id,
        author_id: comment.authorId,
        body: comment.body,
        created_at: comment.createdAt.toISOString(),
      })),
    }),
  );

  app.post(
    `${amendments}/:id/comments`,
    {
      config: { access: AUDIENCES.drafters },
      schema: {
        tags: ['council'],
        summary: 'Comment on an amendment',
        params: UuidParam,
        body: S.CommentBody,
        response: { 201: S.CommentView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const comment = await council.comment(actorOf(request), request.params.id, request.body.body);
      return reply.status(201).send({
        id: comment.id,
        author_id: comment.authorId,
        body: comment.body,
        created_at: comment.createdAt.toISOString(),
      });
    },
  );
}
