import { Type } from '@sinclair/typebox';
import type { Accounts } from '../../../domain/auth/accounts.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses, UuidParam } from '../../../platform/http/schemas.js';
import type { ServiceApp, ServiceContext } from '../../../platform/http/server.js';
import * as S from '../schemas.js';
import { apiKeyView } from '../views.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

/** API keys of agent users: issued, listed (never shown again) and revoked by admins. */
export function registerApiKeyRoutes(app: ServiceApp, _context: ServiceContext, accounts: Accounts): void {
  app.post(
    '/auth/api-keys',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['api-keys'],
        summary: 'Issue an API key to an agent user; the key is shown only in this response',
        body: S.CreateApiKeyBody,
        response: {
          201: Type.Intersect([S.ApiKey, Type.Object({ key: Type.String() })]),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { record, key } = await accounts.createApiKey(principalOf(request).userId, {
        userId: request.body.user_id,
        name: request.body.name,
        expiresInDays: request.body.expires_in_days ?? null,
      });
      return reply.status(201).send({ ...apiKeyView(record), key });
    },
  );

  app.get(
    '/auth/api-keys',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys (never the keys themselves)',
        querystring: S.ApiKeyListQuery,
        response: { 200: Type.Object({ items: Type.Array(S.ApiKey) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ items: (await accounts.listApiKeys(request.query.user_id ?? null)).map(apiKeyView) }),
  );

  app.delete(
    '/auth/api-keys/:id',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key',
        params: UuidParam,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await accounts.revokeApiKey(principalOf(request).userId, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
