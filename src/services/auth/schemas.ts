import { OneOf } from '../../platform/http/schemas.js';
import { HealthBody } from '../../platform/http/health.js';
import { Type } from '@sinclair/typebox';
import { ROLES } from '../../domain/auth/roles.js';

export const RoleSchema = OneOf(ROLES);

export const RegisterBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    full_name: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 254, description: 'The account email' }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);

export const RefreshBody = Type.Object(
  {
    refresh_token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description: 'Omit to use the acgs_refresh cookie (then X-CSRF-Token is required)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const User = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    full_name: Type.String(),
    roles: Type.Array(RoleSchema),
    is_active: Type.Boolean(),
    locked_until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
    last_login_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'User' },
);

export const TokenPair = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: 'Access token lifetime in seconds' }),
});

export const RolesBody = Type.Object(
  { roles: Type.Array(RoleSchema, { maxItems: 5 }) },
  { additionalProperties: false },
);

export const UserListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 254 })),
  },
  { additionalProperties: false },
);

export const CreateApiKeyBody = Type.Object(
  {
    user_id: Type.String({ format: 'uuid' }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);

export const ApiKey = Type.Object({
  id: Type.String({ format: 'uuid' }),
  user_id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String(),
  created_by: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const ApiKeyListQuery = Type.Object(
  { user_id: Type.Optional(Type.String({ format: 'uuid' })) },
  { additionalProperties: false },
);

export const AuthFiguresView = Type.Object(
  {
    attempts: Type.Integer({ minimum: 0 }),
    successes: Type.Integer({ minimum: 0 }),
    failures: Type.Integer({ minimum: 0 }),
    success_rate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
    top_failure_sources: Type.Array(
      Type.Object(
        { source_ip: Type.String(), failures: Type.Integer({ minimum: 0 }) },
        { additionalProperties: false },
      ),
    ),
    active_sessions: Type.Integer({ minimum: 0 }),
    locked_accounts: Type.Integer({ minimum: 0 }),
    since: Type.String({ format: 'date-time', description: 'Counters run from this instance start' }),
  },
  { additionalProperties: false },
);

export const DetailedHealthView = Type.Object(
  {
    ...HealthBody.properties,
    database_pool: Type.Object(
      { open: Type.Integer(), idle: Type.Integer(), waiting: Type.Integer(), max: Type.Integer() },
      { additionalProperties: false },
    ),
    active_sessions: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    token_settings: Type.Object(
      { access_token_seconds: Type.Integer(), refresh_token_seconds: Type.Integer() },
      { additionalProperties: false },
    ),
    lockout: Type.Object({ threshold: Type.Integer(), minutes: Type.Integer() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
