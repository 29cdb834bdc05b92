import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AUDIENCES } from '../../../domain/auth/roles.js';
import { AppError } from '../../../domain/errors.js';
import type { ErrorCode } from '../../../domain/error-codes.js';
import { ResponseEvents } from '../../../domain/llm/response-events.js';
import { chatRequestOf, responseOf } from '../../../domain/llm/responses.js';
import { principalOf } from '../../../platform/http/access.js';
import { openAiErrorBody, statusOf } from '../../../platform/http/errors.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { DatabaseSessions } from '../enforcement/session-store.js';
import type { ExchangeDecision } from '../llm/exchange.js';
import type { LlmCaller, LlmGateway } from '../llm/gateway.js';
import type { StreamEvent } from '../llm/stream.js';
import {
  ChatCompletionBody,
  ChatCompletionStream,
  ChatCompletionView,
  LlmHeaders,
  ModelListView,
  OpenAiError,
  openAiErrorResponses,
  ResponsesBody,
  ResponseStream,
  ResponseView,
} from '../llm/schemas.js';

/** How a governed stream is written as server-sent events: OpenAI frames chat completions and responses apart. */
interface Framing {
  start(): string[];
  chunk(data: Record<string, unknown>): string[];
  done(): string[];
  error(code: ErrorCode, message: string, decisionIds: readonly string[]): string;
}

/** Chat completions: one `data:` line per chunk, `data: [DONE]` at the end, an error as `data: {"error": …}`. */
const chatFraming = (request: FastifyRequest): Framing => ({
  start: () => [],
  chunk: (data) => [`data: ${JSON.stringify(data)}\n\n`],
  done: () => ['data: [DONE]\n\n'],
  error: (code, message, decisionIds) =>
    `data: ${JSON.stringify(openAiErrorBody(request.id, statusOf(code), code, message, decisionIds))}\n\n`,
});

/** Responses: named events (`event: response.output_text.delta`), retold from the governed chat chunks. */
function responsesFraming(request: FastifyRequest, retold: ResponseEvents): Framing {
  const named = (event: { type: string }) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
  return {
    start: () => retold.start().map(named),
    chunk: (data) => retold.chunk(data).map(named),
    done: () => retold.end().map(named),
    error: (code, message, decisionIds) =>
      named(retold.error({ code, message, request_id: request.id, decision_ids: decisionIds })),
  };
}

/**
 * A governed stream as server-sent events. A failure of ours after the stream began (the decision log unreachable,
 * say) still reaches the app as an error event, as an upstream's does.
 */
async function* serverSentEvents(
  events: AsyncIterable<StreamEvent>,
  request: FastifyRequest,
  framing: Framing,
): AsyncGenerator<string> {
  try {
    yield* framing.start();
    for await (const event of events) {
      if (event.type === 'done') yield* framing.done();
      else if (event.type === 'chunk') yield* framing.chunk(event.data);
      else yield framing.error(event.error.errorCode, event.error.message, event.decisionIds);
    }
  } catch (error) {
    if (error instanceof AppError) {
      yield framing.error(error.errorCode, error.message, []);
      return;
    }
    request.log.error({ err: error }, 'a governed stream failed');
    yield framing.error('INTERNAL_ERROR', 'Internal server error', []);
  }
}

/** The receipt of the exchange's last decision (the answer's, or the prompt's when nothing was asked of the model). */
const receiptOf = (decisionId: string) => `/api/v1/audit/receipts/${decisionId}`;

/** The caller, in its session when it names one (`x-acgs-session`): sessions are kept per caller, never shared. */
function callerOf(request: FastifyRequest, sessions: DatabaseSessions): LlmCaller {
  const principal = principalOf(request);
  const sessionId = request.headers['x-acgs-session'];
  return {
    userId: principal.userId,
    apiKeyId: principal.apiKeyId,
    requestId: request.id,
    session:
      typeof sessionId === 'string' ? { id: sessionId, enforcement: sessions.open(principal.userId, sessionId) } : null,
  };
}

/** The app's connection as a signal: when it hangs up, the upstream's stream is closed and what it was sent logged. */
function hangUpOf(reply: FastifyReply): AbortSignal {
  const hungUp = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) hungUp.abort();
  });
  return hungUp.signal;
}

function sendStream(
  reply: FastifyReply,
  request: FastifyRequest,
  stream: {
    decisions: ExchangeDecision[];
    events: AsyncGenerator<StreamEvent, void>;
    abandon: () => Promise<void>;
  },
  framing: Framing,
) {
  reply.raw.on('close', () => {
    stream.abandon().catch((error: unknown) => request.log.error({ err: error }, 'an unread stream was not settled'));
  });
  reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    // A proxy in front (nginx) passes each event on as it comes instead of buffering the answer.
    .header('x-accel-buffering', 'no')
    .header('x-acgs-decisions', stream.decisions.map((decision) => decision.decision_id).join(','));
  return reply.send(Readable.from(serverSentEvents(stream.events, request, framing)));
}

function decisionHeaders(reply: FastifyReply, decisions: readonly ExchangeDecision[]): void {
  const ids = decisions.map((decision) => decision.decision_id);
  reply.header('x-acgs-decisions', ids.join(','));
  if (ids.length > 0) reply.header('x-acgs-receipt', receiptOf(ids[ids.length - 1]!));
}

/**
 * The LLM gateway over OpenAI's wire protocol: an app changes its client's base URL to PGC's `/v1` and its API key to
 * an ACGS API key, and every prompt and answer is governed. Errors leave in OpenAI's shape with ours inside.
 */
export function registerLlmRoutes(app: ServiceApp, gateway: LlmGateway, sessions: DatabaseSessions): void {
  app.addSchema(OpenAiError);
  const config = { access: AUDIENCES.decisionCallers, errorShape: 'openai' as const };

  app.get(
    '/v1/models',
    {
      config,
      schema: {
        tags: ['llm'],
        summary: 'The models the LLM gateway routes, named <upstream>/<model> (OpenAI: list models)',
        response: { 200: ModelListView, ...openAiErrorResponses(401, 403) },
      },
    },
    async () => ({
      object: 'list' as const,
      data: (await gateway.models()).map((model) => ({ ...model, object: 'model' as const })),
    }),
  );

  app.post(
    '/v1/chat/completions',
    {
      config,
      schema: {
        tags: ['llm'],
        summary:
          'A chat completion, governed: the new messages decided as generate before the model is called, the answer as respond, proposed tool calls as tool_call (OpenAI: create chat completion)',
        headers: LlmHeaders,
        body: ChatCompletionBody,
        response: {
          200: {
            description: 'The completion, or with stream: true its chunks as server-sent events',
            content: {
              'application/json': { schema: ChatCompletionView },
              'text/event-stream': { schema: ChatCompletionStream },
            },
          },
          ...openAiErrorResponses(400, 401, 403, 404, 413, 502, 503, 504),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request, sessions);
      if (request.body.stream === true)
        return sendStream(
          reply,
          request,
          await gateway.chatStream(caller, request.body, hangUpOf(reply)),
          chatFraming(request),
        );
      const exchange = await gateway.chat(caller, request.body);
      decisionHeaders(reply, exchange.decisions);
      return {
        ...(exchange.body as { id: string; object: string; created: number; model: string; choices: object[] }),
        acgs: { decisions: exchange.decisions },
      };
    },
  );

  app.post(
    '/v1/responses',
    {
      config,
      schema: {
        tags: ['llm'],
        summary:
          'A response (OpenAI Responses API, as the Agents SDK calls it), governed as a chat completion: carried to the upstream over chat completions, answered as a response or its events (OpenAI: create response)',
        headers: LlmHeaders,
        body: ResponsesBody,
        response: {
          200: {
            description: 'The response, or with stream: true its events as named server-sent events',
            content: {
              'application/json': { schema: ResponseView },
              'text/event-stream': { schema: ResponseStream },
            },
          },
          ...openAiErrorResponses(400, 401, 403, 404, 413, 502, 503, 504),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request, sessions);
      const chat = chatRequestOf(request.body);
      if (request.body.stream === true) {
        const stream = await gateway.chatStream(caller, chat, hangUpOf(reply));
        const retold = new ResponseEvents(
          `resp_${randomUUID().replaceAll('-', '')}`,
          Math.floor(Date.now() / 1000),
          stream.model,
          request.body,
        );
        return sendStream(reply, request, stream, responsesFraming(request, retold));
      }
      const exchange = await gateway.chat(caller, chat);
      decisionHeaders(reply, exchange.decisions);
      return {
        ...(responseOf(exchange.body, request.body, exchange.body.model) as {
          id: string;
          object: 'response';
          created_at: number;
          status: string;
          model: string;
          output: { type: string }[];
        }),
        acgs: { decisions: exchange.decisions },
      };
    },
  );
}
