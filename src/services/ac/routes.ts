import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createdAtIdCursor, keysetPage } from '../../domain/pagination.js';
import client from 'prom-client';
import { ConstitutionService, type Actor } from '../../domain/constitution/constitution-service.js';
import type { AmendmentRecord, PrincipleRecord, VersionRecord } from '../../domain/constitution/store.js';
import type { AmendmentChange, Constraint, MetaRules, PrincipleContent } from '../../domain/constitution/types.js';
import { AppError, ValidationError } from '../../domain/errors.js';
import { principalOf } from '../../platform/http/access.js';
import { errorResponses, UuidParam } from '../../platform/http/schemas.js';
import type { ServiceContext } from '../../platform/http/server.js';
import * as S from './schemas.js';
import { SqlConstitutionStore } from './sql-store.js';
import { isoOrNull } from '../../platform/http/iso-time.js';

const READERS = ['admin', 'policy_manager', 'auditor', 'council_member'] as const;
const EDITORS = ['admin', 'policy_manager'] as const;
const PARTICIPANTS = ['admin', 'policy_manager', 'council_member'] as const;
const ADMIN = ['admin'] as const;

function principleView(record: PrincipleRecord) {
  return {
    id: record.id,
    key: record.key,
    title: record.title,
    description: record.description,
    category: record.category,
    priority: record.priority,
    scope: record.scope,
    normative_statement: record.normative_statement,
    rationale: record.rationale,
    constraints: record.constraints,
    status: record.status,
    version: record.version,
    created_by: record.createdBy,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}

function versionView(record: VersionRecord) {
  return {
    version: record.version,
    hash: record.hash,
    principles: record.document.principles,
    meta_rules: record.document.meta_rules,
    enacted_at: record.enactedAt.toISOString(),
    enacted_by: record.enactedBy,
    enacted_by_amendment: record.enactedByAmendment,
  };
}

function amendmentView(record: AmendmentRecord) {
  return {
    id: record.id,
    title: record.title,
    rationale: record.rationale,
    changes: record.changes,
    principle_keys: record.principleKeys,
    status: record.status,
    proposed_by: record.proposedBy,
    created_at: record.createdAt.toISOString(),
    opened_at: isoOrNull(record.openedAt),
    deadline: isoOrNull(record.deadline),
    closed_at: isoOrNull(record.closedAt),
    council_size: record.councilSize,
    rules: record.rules,
    outcome: record.outcome,
    base_version: record.baseVersion,
    enacted_version: record.enactedVersion,
  };
}

function actorOf(request: FastifyRequest): Actor {
  const principal = principalOf(request);
  return { userId: principal.userId, roles: principal.roles };
}

/** Reads the version an update edits from If-Match ("3", W/"3" or 3) or the body; one of them is required. */
function expectedVersion(request: FastifyRequest, bodyVersion: number | undefined): number {
  const header = request.headers['if-match'];
  if (typeof header === 'string') {
    const match = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim());
    if (match === null)
      throw new ValidationError('If-Match must carry the principle version, e.g. "3"', 'INVALID_IF_MATCH');
    return Number(match[1]);
  }
  if (bodyVersion !== undefined) return bodyVersion;
  throw new AppError(
    'precondition_required',
    'VERSION_REQUIRED',
    'Send the version you are editing in If-Match or the body field "version"',
  );
}

const toContent = (body: Static<typeof S.PrincipleContentSchema>): PrincipleContent => ({
  ...body,
  constraints: body.constraints as Constraint[],
});

export function constitutionMetrics(registry: client.Registry, currentVersion: () => Promise<number>) {
  new client.Gauge({
    name: 'acgs_constitution_version',
    help: 'The version number of the constitution in force',
    registers: [registry],
    async collect() {
      this.set(await currentVersion());
    },
  });
  return {
    amendments: new client.Counter({
      name: 'acgs_amendments_total',
      help: 'Amendment state transitions',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    votes: new client.Counter({
      name: 'acgs_votes_total',
      help: 'Votes cast (including changed votes)',
      labelNames: ['vote'] as const,
      registers: [registry],
    }),
  };
}

export function buildConstitutionService({ platform, metrics }: ServiceContext): ConstitutionService {
  const store = new SqlConstitutionStore(platform.db, platform.audit);
  const counters = constitutionMetrics(metrics.registry, async () => (await store.currentVersion())?.version ?? 0);
  return new ConstitutionService(store, {
    amendmentStatus: (status) => counters.amendments.inc({ status }),
    voteCast: (vote) => counters.votes.inc({ vote }),
    versionEnacted: () => undefined,
  });
}

export async function registerConstitutionRoutes(app: FastifyInstance, service: ConstitutionService): Promise<void> {
  const tags = (tag: string) => [tag];

  app.get<{ Querystring: Static<typeof S.PrincipleListQuery> }>(
    '/api/v1/principles',
    {
      config: { access: READERS },
      schema: {
        tags: tags('principles'),
        summary: 'List principles (filters, cursor pagination by key)',
        querystring: S.PrincipleListQuery,
        response: { 200: S.PrincipleList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, category, q: text, cursor, limit = 50 } = request.query;
      const page = await keysetPage(
        limit,
        (rows) => service.listPrinciples({ status, category, text, afterKey: cursor, limit: rows }),
        (last) => last.key,
      );
      return { ...page, items: page.items.map(principleView) };
    },
  );

  app.post<{ Body: Static<typeof S.PrincipleContentSchema> }>(
    '/api/v1/principles',
    {
      config: { access: EDITORS },
      schema: {
        tags: tags('principles'),
        summary: 'Create a draft principle (active ones come only by amendment)',
        body: S.PrincipleContentSchema,
        response: { 201: S.PrincipleWithWarningsView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { principle, warnings } = await service.createDraft(actorOf(request), toContent(request.body));
      return reply
        .status(201)
        .header('etag', `"${principle.version}"`)
        .send({ ...principleView(principle), warnings });
    },
  );

  app.get<{ Params: Static<typeof UuidParam> }>(
    '/api/v1/principles/:id',
    {
      config: { access: READERS },
      schema: {
        tags: tags('principles'),
        summary: 'One principle; ETag is its version',
        params: UuidParam,
        response: { 200: S.PrincipleView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principle = await service.principle(request.params.id);
      return reply.header('etag', `"${principle.version}"`).send(principleView(principle));
    },
  );

  app.put<{ Params: Static<typeof UuidParam>; Body: Static<typeof S.PrincipleUpdateSchema> }>(
    '/api/v1/principles/:id',
    {
      config: { access: EDITORS },
      schema: {
        tags: tags('principles'),
        summary: 'Edit a draft; stale versions get 409 VERSION_CONFLICT',
        params: UuidParam,
        body: S.PrincipleUpdateSchema,
        response: { 200: S.PrincipleWithWarningsView, ...errorResponses(400, 401, 403, 404, 409, 428) },
      },
    },
    async (request, reply) => {
      const { version, ...content } = request.body;
      const { principle, warnings } = await service.updateDraft(
        actorOf(request),
        request.params.id,
        toContent(content),
        expectedVersion(request, version),
      );
      return reply.header('etag', `"${principle.version}"`).send({ ...principleView(principle), warnings });
    },
  );

  app.delete<{ Params: Static<typeof UuidParam> }>(
    '/api/v1/principles/:id',
    {
      config: { access: EDITORS },
      schema: {
        tags: tags('principles'),
        summary: 'Delete a draft (active principles are repealed by amendment)',
        params: UuidParam,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await service.deleteDraft(actorOf(request), request.params.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/constitution',
    {
      config: { access: READERS },
      schema: {
        tags: tags('constitution'),
        summary: 'The constitution in force',
        response: { 200: S.VersionView, ...errorResponses(401, 403, 404) },
      },
    },
    async (_request, reply) => {
      const current = await service.current();
      return reply.header('etag', `"${current.hash}"`).send(versionView(current));
    },
  );

  app.get(
    '/api/v1/constitution/versions',
    {
      config: { access: READERS },
      schema: {
        tags: tags('constitution'),
        summary: 'Every version with its hash',
        response: { 200: S.VersionList, ...errorResponses(401, 403) },
      },
    },
    async () => ({
      items: (await service.listVersions()).map((record) => ({
        version: record.version,
        hash: record.hash,
        enacted_at: record.enactedAt.toISOString(),
        enacted_by: record.enactedBy,
        enacted_by_amendment: record.enactedByAmendment,
      })),
    }),
  );

  app.get<{ Params: Static<typeof S.VersionParam> }>(
    '/api/v1/constitution/versions/:n',
    {
      config: { access: READERS },
      schema: {
        tags: tags('constitution'),
        summary: 'One version in full',
        params: S.VersionParam,
        response: { 200: S.VersionView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => versionView(await service.version(request.params.n)),
  );

  app.get<{ Querystring: Static<typeof S.DiffQuery> }>(
    '/api/v1/constitution/diff',
    {
      config: { access: READERS },
      schema: {
        tags: tags('constitution'),
        summary: 'What changed between two versions',
        querystring: S.DiffQuery,
        response: { 200: S.DiffView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { from, to, diff } = await service.diff(request.query.from, request.query.to);
      return { from: from.version, to: to.version, from_hash: from.hash, to_hash: to.hash, ...diff };
    },
  );

  app.post(
    '/api/v1/constitution/bootstrap',
    {
      config: { access: ADMIN },
      schema: {
        tags: tags('constitution'),
        summary: 'Enact the drafts as version 1 of an empty constitution',
        response: { 201: S.VersionView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.status(201).send(versionView(await service.bootstrap(actorOf(request)))),
  );

  app.get(
    '/api/v1/meta-rules',
    {
      config: { access: READERS },
      schema: {
        tags: tags('constitution'),
        summary: 'Conflict resolution and amendment rules',
        response: { 200: S.MetaRulesSchema, ...errorResponses(401, 403) },
      },
    },
    async () => service.metaRules(),
  );

  app.put<{ Body: MetaRules }>(
    '/api/v1/meta-rules',
    {
      config: { access: ADMIN },
      schema: {
        tags: tags('constitution'),
        summary: 'Set meta-rules before a constitution exists (afterwards only by amendment)',
        body: S.MetaRulesSchema,
        response: { 200: S.MetaRulesSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request) => service.setMetaRules(actorOf(request), request.body),
  );

  const council = '/api/v1/constitutional-council/amendments';

  app.get<{ Querystring: Static<typeof S.AmendmentListQuery> }>(
    council,
    {
      config: { access: READERS },
      schema: {
        tags: tags('council'),
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
          service.listAmendments({
            status: status as AmendmentRecord['status'] | undefined,
            limit: rows,
            before: createdAtIdCursor.decode(cursor),
          }),
        (last) => createdAtIdCursor.encode(last.createdAt, last.id),
      );
      return { ...page, items: page.items.map(amendmentView) };
    },
  );

  app.post<{ Body: Static<typeof S.ProposeBody> }>(
    council,
    {
      config: { access: PARTICIPANTS },
      schema: {
        tags: tags('council'),
        summary: 'Propose an amendment (a draft until opened)',
        body: S.ProposeBody,
        response: { 201: S.AmendmentWithWarningsView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { amendment, warnings } = await service.propose(actorOf(request), {
        ...request.body,
        changes: request.body.changes as AmendmentChange[],
      });
      return reply.status(201).send({ ...amendmentView(amendment), warnings });
    },
  );

  app.get<{ Params: Static<typeof UuidParam> }>(
    `${council}/:id`,
    {
      config: { access: READERS },
      schema: {
        tags: tags('council'),
        summary: 'One amendment with its votes',
        params: UuidParam,
        response: { 200: S.AmendmentWithVotesView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const amendment = await service.amendment(request.params.id);
      const votes = await service.votes(amendment.id);
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

  app.post<{ Params: Static<typeof UuidParam>; Body: Static<typeof S.OpenBody> | undefined }>(
    `${council}/:id/open`,
    {
      config: { access: PARTICIPANTS },
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: tags('council'),
        summary: 'Open voting (proposer or admin)',
        params: UuidParam,
        body: S.OpenBody,
        response: { 200: S.AmendmentView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const deadline = request.body?.deadline === undefined ? null : new Date(request.body.deadline);
      return amendmentView(await service.open(actorOf(request), request.params.id, deadline));
    },
  );

  app.post<{ Params: Static<typeof UuidParam> }>(
    `${council}/:id/withdraw`,
    {
      config: { access: PARTICIPANTS },
      schema: {
        tags: tags('council'),
        summary: 'Withdraw a draft or open amendment (proposer or admin)',
        params: UuidParam,
        response: { 200: S.AmendmentView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => amendmentView(await service.withdraw(actorOf(request), request.params.id)),
  );

  app.post<{ Params: Static<typeof UuidParam>; Body: Static<typeof S.VoteBody> }>(
    `${council}/:id/vote`,
    {
      config: { access: PARTICIPANTS },
      schema: {
        tags: tags('council'),
        summary: 'Cast or change your vote; closes and enacts as soon as the outcome is certain',
        params: UuidParam,
        body: S.VoteBody,
        response: { 200: S.AmendmentView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      amendmentView(
        await service.vote(actorOf(request), request.params.id, request.body.vote, request.body.reason ?? ''),
      ),
  );

  app.get<{ Params: Static<typeof UuidParam> }>(
    `${council}/:id/comments`,
    {
      config: { access: READERS },
      schema: {
        tags: tags('council'),
        summary: 'Discussion of an amendment',
        params: UuidParam,
        response: { 200: S.CommentList, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      items: (await service.comments(request.params.id)).map((comment) => ({
        id: comment.id,
        author_id: comment.authorId,
        body: comment.body,
        created_at: comment.createdAt.toISOString(),
      })),
    }),
  );

  app.post<{ Params: Static<typeof UuidParam>; Body: Static<typeof S.CommentBody> }>(
    `${council}/:id/comments`,
    {
      config: { access: PARTICIPANTS },
      schema: {
        tags: tags('council'),
        summary: 'Comment on an amendment',
        params: UuidParam,
        body: S.CommentBody,
        response: { 201: S.CommentView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const comment = await service.comment(actorOf(request), request.params.id, request.body.body);
      return reply.status(201).send({
        id: comment.id,
        author_id: comment.authorId,
        body: comment.body,
        created_at: comment.createdAt.toISOString(),
      });
    },
  );
}
