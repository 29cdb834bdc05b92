import { Type } from '@sinclair/typebox';
import { createdAtIdCursor } from '../../../domain/pagination.js';
import { errorResponses, UuidParam } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { JobStore } from '../job-store.js';
import { JobList, JobListQuery } from '../schemas.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

/** Verification jobs read back: one with its report, or the list newest first. */
export function registerJobRoutes(app: ServiceApp, store: JobStore): void {
  app.get(
    '/api/v1/verify/jobs/:id',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['verification'],
        summary: 'One verification job: status, verdict, report and its hash',
        params: UuidParam,
        response: { 200: Type.Ref('VerificationJob'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => store.get(request.params.id),
  );

  app.get(
    '/api/v1/verify/jobs',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['verification'],
        summary: 'Verification jobs, newest first (filter by status and kind; cursor pagination)',
        querystring: JobListQuery,
        response: { 200: JobList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) =>
      store.list({
        status: request.query.status,
        kind: request.query.kind,
        after: createdAtIdCursor.decode(request.query.cursor),
        limit: request.query.limit ?? 50,
      }),
  );
}
