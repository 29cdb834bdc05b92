import { Type } from '@sinclair/typebox';
import { Nullable, OneOf, Time } from '../../../platform/http/schemas.js';

const Annotations = Type.Object(
  {
    title: Type.Optional(Type.String({ maxLength: 200 })),
    readOnlyHint: Type.Optional(Type.Boolean()),
    destructiveHint: Type.Optional(Type.Boolean()),
    idempotentHint: Type.Optional(Type.Boolean()),
    openWorldHint: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    description: 'MCP tool annotations: hints the server gave (or an admin, for a tool no server lists)',
  },
);

const Classification = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_-]*$' });

export const ToolIdParam = Type.Object(
  { id: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,39}\\.[A-Za-z0-9_.-]{1,128}$', description: '<server>.<tool>' }) },
  { additionalProperties: false },
);

export const ToolListQuery = Type.Object(
  { server: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,39}$' })) },
  { additionalProperties: false },
);

export const ToolSettingBody = Type.Object(
  {
    risk: Nullable(Type.Integer({ minimum: 0, maximum: 100, description: 'null: from the annotations' })),
    data_classification: Nullable(Classification),
    annotations: Type.Optional(Annotations),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const Digest = Type.String({
  pattern: '^[0-9a-f]{64}$',
  description: 'SHA-256 of the RFC 8785 JSON of the definition',
});

const PendingDefinition = Type.Object(
  {
    name: Type.String(),
    title: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    inputSchema: Type.Record(Type.String(), Type.Unknown()),
    outputSchema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    annotations: Type.Optional(Type.Object(Annotations.properties)),
  },
  { description: 'The definition the upstream gives now, waiting for an admin (compare with the pinned fields)' },
);

export const ToolDefinitionApproveBody = Type.Object(
  { digest: Type.String({ ...Digest, description: 'The pending digest you reviewed (definition.pending_digest)' }) },
  { additionalProperties: false },
);

export const ToolView = Type.Object(
  {
    id: Type.String(),
    server: Nullable(Type.String()),
    name: Type.String(),
    title: Nullable(Type.String()),
    description: Type.String(),
    input_schema: Type.Record(Type.String(), Type.Unknown()),
    output_schema: Nullable(Type.Record(Type.String(), Type.Unknown())),
    annotations: Annotations,
    risk: Nullable(Type.Integer({ minimum: 0, maximum: 100, description: "The admin's risk; null until set" })),
    injection_score: Type.Integer({
      minimum: 0,
      maximum: 100,
      description:
        'The prompt-injection score of the pinned definition (descriptions and titles in it); from 50 the tool is flagged and its risk is at least 90',
    }),
    definition: Type.Object(
      {
        status: OneOf(['pinned', 'changed', 'unpinned'], {
          description:
            'pinned: served as catalogued; changed: the upstream changed it — hidden from tools/list and refused until approved; unpinned: no server lists it',
        }),
        digest: Nullable(Digest),
        pending: Nullable(PendingDefinition),
        pending_digest: Nullable(Digest),
        changed_at: Nullable(Time),
        approved_by: Nullable(Type.String({ format: 'uuid' })),
        approved_at: Nullable(Time),
      },
      { additionalProperties: false },
    ),
    data_classification: Nullable(Type.String()),
    risk_source: OneOf(['admin', 'annotations']),
    effective: Type.Object(
      {
        risk: Type.Integer({ minimum: 0, maximum: 100 }),
        data_classification: Type.String(),
        read_only: Type.Boolean(),
        destructive: Type.Boolean(),
        open_world: Type.Boolean(),
      },
      { additionalProperties: false, description: "The attributes Cedar's Tool entity has for this tool" },
    ),
    updated_by: Nullable(Type.String({ format: 'uuid' })),
    discovered_at: Nullable(Time),
    created_at: Time,
    updated_at: Time,
  },
  { additionalProperties: false },
);

export const ToolListView = Type.Object({ items: Type.Array(ToolView) }, { additionalProperties: false });

const ServerName = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,39}$', description: 'The prefix of its tool names' });
export const ServerNameParam = Type.Object({ name: ServerName }, { additionalProperties: false });

const CallTimeout = Type.Optional(
  Type.Integer({ minimum: 100, maximum: 600_000, description: 'Per call (and connect) timeout; default 30,000 ms' }),
);
const Credentials = Type.Record(
  Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,127}$' }),
  Type.String({ maxLength: 8192 }),
  {
    maxProperties: 64,
  },
);

export const ServerBody = Type.Union([
  Type.Object(
    {
      transport: Type.Literal('stdio'),
      command: Type.String({ minLength: 1, maxLength: 1024 }),
      args: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 64 })),
      env: Type.Optional(Credentials),
      call_timeout_ms: CallTimeout,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      transport: Type.Literal('http'),
      url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 }),
      headers: Type.Optional(Credentials),
      call_timeout_ms: CallTimeout,
    },
    { additionalProperties: false },
  ),
]);

export const ServerView = Type.Object(
  {
    name: Type.String(),
    transport: OneOf(['stdio', 'http']),
    command: Nullable(Type.String()),
    args: Type.Array(Type.String()),
    url: Nullable(Type.String()),
    env_keys: Type.Array(Type.String(), {
      description: 'Names of the environment variables set; values are never shown',
    }),
    header_names: Type.Array(Type.String(), { description: 'Names of the headers sent; values are never shown' }),
    call_timeout_ms: Type.Integer(),
    created_by: Nullable(Type.String({ format: 'uuid' })),
    created_at: Time,
    updated_at: Time,
  },
  { additionalProperties: false },
);

export const ServerListView = Type.Object({ items: Type.Array(ServerView) }, { additionalProperties: false });

export const DiscoveryView = Type.Object(
  {
    server: ServerView,
    discovery: Type.Object(
      {
        ok: Type.Boolean(),
        tools: Type.Array(Type.String(), { description: 'The catalogue ids of the tools it listed' }),
        error: Nullable(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
