import { Type } from '@sinclair/typebox';
import type { Accounts } from '../../../domain/auth/accounts.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses, UuidParam } from '../../../platform/http/schemas.js';
import type { ServiceApp, ServiceContext } from '../../../platform/http/server.js';
import * as S from '../schemas.js';
import { userView } from '../views.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

/** Users as admins manage them: list, read, roles, activation, lockouts. */
export function registerUserRoutes(app: ServiceApp, _context: ServiceContext, accounts: Accounts): void {
  app.get(
    '/auth/users',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['users'],
        summary: 'List users by email, cursor-paginated',
        querystring: S.UserListQuery,
        response: {
          200: Type.Object({
            items: Type.Array(Type.Ref(S.User)),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const page = await accounts.listUsers(request.query.limit ?? 50, request.query.cursor ?? null);
      return { ...page, items: page.items.map(userView) };
    },
  );

  app.get(
    '/auth/users/:id',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['users'],
        summary: 'One user',
        params: UuidParam,
        response: { 200: Type.Ref(S.User), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => userView(await accounts.requireUser(request.params.id)),
  );

  app.put(
    '/auth/users/:id/roles',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['users'],
        summary: "Replace a user's roles (ends their sessions so the change applies now)",
        params: UuidParam,
        body: S.RolesBody,
        response: { 200: Type.Ref(S.User), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      userView(await accounts.setRoles(principalOf(request).userId, request.params.id, request.body.roles)),
  );

  for (const [action, active] of [
    ['deactivate', false],
    ['reactivate', true],
  ] as const) {
    app.post(
      `/auth/users/:id/${action}`,
      {
        config: { access: AUDIENCES.admins },
        schema: {
          tags: ['users'],
          summary: active ? 'Reactivate a user' : 'Deactivate a user: every token of theirs stops working at once',
          params: UuidParam,
          response: { 200: Type.Ref(S.User), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => userView(await accounts.setActive(principalOf(request).userId, request.params.id, active)),
    );
  }

  app.post(
    '/auth/users/:id/unlock',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['users'],
        summary: 'Clear a lockout',
        params: UuidParam,
        response: { 200: Type.Ref(S.User), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => userView(await accounts.unlock(principalOf(request).userId, request.params.id)),
  );
}
