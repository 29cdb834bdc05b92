import { Type } from '@sinclair/typebox';
import { isPlatformAction, PLATFORM_ACTION_NAMESPACES } from '../../../domain/audit/actions.js';
import { keysetPage } from '../../../domain/pagination.js';
import { ValidationError } from '../../../domain/errors.js';
import { principalOf } from '../../../platform/http/access.js';
import { AuditEntryList, AuditEntryView } from '../schemas.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { IntegrityContext } from '../context.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

const MAX_DETAILS_BYTES = 16 * 1024;

const AppendBody = Type.Object(
  {
    action: Type.String({
      pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$',
      maxLength: 100,
      description: `namespace.event, e.g. "agent.tool_called"; not in the platform's namespaces (${PLATFORM_ACTION_NAMESPACES.join(', ')})`,
    }),
    resource: Type.String({ minLength: 1, maxLength: 256, description: 'What the event concerns, e.g. "ticket:4711"' }),
    user_id: Type.Optional(
      Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
        description: 'The user the event is about, if any',
      }),
    ),
    details: Type.Optional(
      Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), {
        description: `Any JSON object up to ${MAX_DETAILS_BYTES} bytes; reported_by is set by the log`,
      }),
    ),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Entries at or after this time' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Entries before this time' })),
    user_id: Type.Optional(Type.String({ format: 'uuid' })),
    action: Type.Optional(Type.String({ maxLength: 100 })),
    resource: Type.Optional(Type.String({ maxLength: 256 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: false },
);

/** The audit log as records: services append their own events; readers search it, newest first. */
export function registerAuditLogRoutes(app: ServiceApp, { platform, audit: reader }: IntegrityContext): void {
  app.post(
    '/api/v1/audit/logs',
    {
      config: { access: AUDIENCES.services },
      schema: {
        tags: ['audit'],
        summary:
          'Append an event under the calling service identity; answered once it is committed, with its leaf index',
        body: AppendBody,
        response: { 201: AuditEntryView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { action, resource, details = {} } = request.body;
      if (isPlatformAction(action))
        throw new ValidationError(
          `action namespace "${action.split('.')[0]}" is written by the platform only`,
          'RESERVED_ACTION',
        );
      if ('reported_by' in details)
        throw new ValidationError('details.reported_by is set by the log', 'RESERVED_FIELD');
      if (Buffer.byteLength(JSON.stringify(details), 'utf8') > MAX_DETAILS_BYTES)
        throw new ValidationError(`details is over ${MAX_DETAILS_BYTES} bytes`, 'DETAILS_TOO_LARGE');
      const entry = await platform.audit.record({
        userId: request.body.user_id ?? null,
        action,
        resource,
        details: { ...details, reported_by: principalOf(request).userId },
        sourceIp: request.clientIp,
        requestId: request.id,
      });
      return reply.status(201).send(entry);
    },
  );

  app.get(
    '/api/v1/audit/logs',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['audit'],
        summary: 'Search the log, newest first (filters combine; cursor pagination)',
        querystring: ListQuery,
        response: { 200: AuditEntryList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { from, to, user_id: userId, action, resource, cursor } = request.query;
      const limit = request.query.limit ?? 100;
      if (from !== undefined && to !== undefined && Date.parse(from) >= Date.parse(to))
        throw new ValidationError('from must be before to', 'INVALID_RANGE');
      const filter = {
        from,
        to,
        userId,
        action,
        resource,
        beforeIndex: cursor === undefined ? undefined : Number(cursor),
      };
      return keysetPage(
        limit,
        (rows) => reader.search(filter, rows),
        (last) => String(last.leaf_index),
      );
    },
  );
}
