import type { Readable } from 'node:stream';
import { Type, type TSchema } from '@sinclair/typebox';
import { Nullable, Time } from '../../../platform/http/schemas.js';

const UpstreamName = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,39}$', description: 'The prefix of its model names' });
export const UpstreamNameParam = Type.Object({ name: UpstreamName }, { additionalProperties: false });

export const UpstreamBody = Type.Object(
  {
    base_url: Type.String({
      format: 'uri',
      pattern: '^https?://',
      maxLength: 2048,
      description: "The provider's OpenAI-compatible API root, e.g. https://api.openai.com/v1",
    }),
    credential: Type.Optional(
      Nullable(
        Type.String({
          minLength: 1,
          maxLength: 8192,
          description: 'Sent as the bearer token to this provider only; never returned. Omitted: kept as it was',
        }),
      ),
    ),
    models: Type.Array(Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\s/][^\\s]*$' }), {
      maxItems: 500,
      uniqueItems: true,
      description: 'Models it serves, callable as <upstream>/<model> (or by the bare name when only it lists it)',
    }),
    timeout_ms: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 600_000, description: 'Per attempt; default 60,000' }),
    ),
    retries: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 5, description: 'Further attempts after an outage or overload; default 1' }),
    ),
  },
  { additionalProperties: false },
);

export const UpstreamView = Type.Object(
  {
    name: Type.String(),
    base_url: Type.String(),
    has_credential: Type.Boolean({ description: 'Whether a credential is kept; it is never shown' }),
    models: Type.Array(Type.String()),
    timeout_ms: Type.Integer(),
    retries: Type.Integer(),
    created_by: Nullable(Type.String({ format: 'uuid' })),
    created_at: Time,
    updated_at: Time,
  },
  { additionalProperties: false },
);
export const UpstreamListView = Type.Object({ items: Type.Array(UpstreamView) }, { additionalProperties: false });

const MessageContent = Type.Union([
  Type.String(),
  Type.Null(),
  Type.Array(Type.Object({ type: Type.String({ maxLength: 64 }) }, { additionalProperties: true }), { maxItems: 256 }),
]);

/**
 * A chat completion request as OpenAI defines it. The gateway checks what it reads (the model, the messages, the
 * stream flag) and forwards every other field as the caller sent it.
 */
export const ChatCompletionBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    messages: Type.Array(
      Type.Object(
        { role: Type.String({ minLength: 1, maxLength: 64 }), content: Type.Optional(MessageContent) },
        { additionalProperties: true },
      ),
      { minItems: 1, maxItems: 4096 },
    ),
    stream: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

const Decisions = Type.Array(
  Type.Object(
    {
      decision_id: Type.String({ format: 'uuid' }),
      action: Type.String(),
      decision: Type.String(),
    },
    { additionalProperties: false },
  ),
  {
    description: 'The decisions the gateway made on this exchange, each with a receipt at /api/v1/audit/receipts/{id}',
  },
);

/** OpenAI's `chat.completion`, governed: the provider's fields as it sent them, and the gateway's decisions. */
export const ChatCompletionView = Type.Object(
  {
    id: Type.String(),
    object: Type.String(),
    created: Type.Integer(),
    model: Type.String(),
    choices: Type.Array(Type.Object({}, { additionalProperties: true })),
    acgs: Type.Object({ decisions: Decisions }, { additionalProperties: false }),
  },
  { additionalProperties: true },
);

/**
 * A streamed completion: `data: <chat.completion.chunk>` events, the last chunk with a finish_reason carrying `acgs`
 * (every decision on the exchange), a usage chunk when asked for, then `data: [DONE]` — or `data: {"error": …}` when
 * the upstream failed mid-stream.
 */
export const ChatCompletionStream = Type.Unsafe<Readable>({
  type: 'string',
  description: 'Server-sent events: data: {chat.completion.chunk} … data: [DONE]',
});

/**
 * A Responses API request (what the OpenAI Agents SDK sends). The gateway carries it over chat completions: the
 * fields it reads are checked here, the translation refuses by name what only a provider's own Responses service can
 * do, and other fields chat completions share are carried.
 */
export const ResponsesBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    input: Type.Union([
      Type.String(),
      Type.Array(Type.Object({}, { additionalProperties: true }), { minItems: 1, maxItems: 4096 }),
    ]),
    instructions: Type.Optional(Nullable(Type.String())),
    stream: Type.Optional(Type.Boolean()),
    tools: Type.Optional(
      Type.Array(Type.Object({ type: Type.String({ maxLength: 64 }) }, { additionalProperties: true }), {
        maxItems: 512,
      }),
    ),
    text: Type.Optional(
      Type.Object(
        {
          format: Type.Optional(Type.Object({ type: Type.String({ maxLength: 64 }) }, { additionalProperties: true })),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

/** OpenAI's `response`, governed: the answer as output items, and the gateway's decisions. */
export const ResponseView = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('response'),
    created_at: Type.Integer(),
    status: Type.String(),
    model: Type.String(),
    output: Type.Array(Type.Object({ type: Type.String() }, { additionalProperties: true })),
    acgs: Type.Object({ decisions: Decisions }, { additionalProperties: false }),
  },
  { additionalProperties: true },
);

/**
 * A streamed response: named server-sent events (`event: response.created` … `event: response.completed`, or
 * `response.incomplete` when the answer was stopped, carrying `acgs`), or `event: error` when the upstream failed.
 */
export const ResponseStream = Type.Unsafe<Readable>({
  type: 'string',
  description: 'Server-sent events: event: response.created … event: response.completed',
});

/** The enforcement session an exchange belongs to: its requests are decided in order, with the session's history and tokens. */
export const LlmHeaders = Type.Object(
  {
    'x-acgs-session': Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: '^[A-Za-z0-9._:-]+$',
        description:
          "The caller's session (its own: another caller's same id is another session): context.session_tokens, prior_tools and prior_findings come from it",
      }),
    ),
  },
  { additionalProperties: true },
);

export const ModelListView = Type.Object(
  {
    object: Type.Literal('list'),
    data: Type.Array(
      Type.Object(
        { id: Type.String(), object: Type.Literal('model'), created: Type.Integer(), owned_by: Type.String() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** An error as OpenAI's clients read it, with ours inside. */
export const OpenAiError = Type.Object(
  {
    error: Type.Object(
      {
        message: Type.String(),
        type: Type.String(),
        code: Type.String({ description: 'Our error code (docs/errors.md)' }),
        param: Nullable(
          Type.String({ description: 'The JSON Pointer of the offending field, when the request did not fit' }),
        ),
        error_code: Type.String(),
        request_id: Type.String(),
        decision_ids: Type.Optional(Type.Array(Type.String({ format: 'uuid' }))),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, $id: 'OpenAiError' },
);

export function openAiErrorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, Type.Ref(OpenAiError)]));
}
