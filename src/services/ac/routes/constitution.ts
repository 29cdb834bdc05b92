import type { ConstitutionVersions } from '../../../domain/constitution/versions.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import * as S from '../schemas.js';
import { actorOf } from '../access.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';
import { versionView } from '../views.js';

/** The constitution in force, its versions and diffs, its bootstrap, and the meta-rules. */
export function registerConstitutionRoutes(app: ServiceApp, versions: ConstitutionVersions): void {
  app.get(
    '/api/v1/constitution',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['constitution'],
        summary: 'The constitution in force',
        response: { 200: S.VersionView, ...errorResponses(401, 403, 404) },
      },
    },
    async (_request, reply) => {
      const current = await versions.current();
      return reply.header('etag', `"${current.hash}"`).send(versionView(current));
    },
  );

  app.get(
    '/api/v1/constitution/versions',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['constitution'],
        summary: 'Every version with its hash',
        response: { 200: S.VersionList, ...errorResponses(401, 403) },
      },
    },
    async () => ({
      items: (await versions.listVersions()).map((record) => ({
        version: record.version,
        hash: record.hash,
        enacted_at: record.enactedAt.toISOString(),
        enacted_by: record.enactedBy,
        enacted_by_amendment: record.enactedByAmendment,
      })),
    }),
  );

  app.get(
    '/api/v1/constitution/versions/:n',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['constitution'],
        summary: 'One version in full',
        params: S.VersionParam,
        response: { 200: S.VersionView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => versionView(await versions.version(request.params.n)),
  );

  app.get(
    '/api/v1/constitution/diff',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['constitution'],
        summary: 'What changed between two versions',
        querystring: S.DiffQuery,
        response: { 200: S.DiffView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { from, to, diff } = await versions.diff(request.query.from, request.query.to);
      return { from: from.version, to: to.version, from_hash: from.hash, to_hash: to.hash, ...diff };
    },
  );

  app.post(
    '/api/v1/constitution/bootstrap',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['constitution'],
        summary: 'Enact the drafts as version 1 of an empty constitution',
        response: { 201: S.VersionView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.status(201).send(versionView(await versions.bootstrap(actorOf(request)))),
  );

  app.get(
    '/api/v1/meta-rules',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['constitution'],
        summary: 'Conflict resolution and amendment rules',
        response: { 200: S.MetaRulesSchema, ...errorResponses(401, 403) },
      },
    },
    async () => versions.metaRules(),
  );

  app.put(
    '/api/v1/meta-rules',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['constitution'],
        summary: 'Set meta-rules before a constitution exists (afterwards only by amendment)',
        body: S.MetaRulesSchema,
        response: { 200: S.MetaRulesSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request) => versions.setMetaRules(actorOf(request), request.body),
  );
}
