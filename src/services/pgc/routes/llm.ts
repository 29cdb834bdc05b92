import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { AUDIENCES } from '../../../domain/auth/roles.js';
import { AppError } from '../../../domain/errors.js';
import type { ErrorCode } from '../../../domain/error-codes.js';
import { principalOf } from '../../../platform/http/access.js';
import { openAiErrorBody, statusOf } from '../../../platform/http/errors.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { LlmGateway } from '../llm/gateway.js';
import type { StreamEvent } from '../llm/stream.js';
import {
  ChatCompletionBody,
  ChatCompletionStream,
  ChatCompletionView,
  ModelListView,
  OpenAiError,
  openAiErrorResponses,
} from '../llm/schemas.js';

/**
 * A governed stream as server-sent events, OpenAI's framing: one `data:` line per chunk, `data: [DONE]` at the end.
 * A failure of ours after the stream began (the decision log unreachable, say) still reaches the app as an error
 * event, as an upstream's does.
 */
async function* serverSentEvents(events: AsyncIterable<StreamEvent>, request: FastifyRequest): AsyncGenerator<string> {
  const errorEvent = (code: ErrorCode, message: string, decisionIds: readonly string[] = []) =>
    `data: ${JSON.stringify(openAiErrorBody(request.id, statusOf(code), code, message, decisionIds))}\n\n`;
  try {
    for await (const event of events) {
      if (event.type === 'done') yield 'data: [DONE]\n\n';
      else if (event.type === 'chunk') yield `data: ${JSON.stringify(event.data)}\n\n`;
      else yield errorEvent(event.error.errorCode, event.error.message, event.decisionIds);
    }
  } catch (error) {
    if (error instanceof AppError) {
      yield errorEvent(error.errorCode, error.message);
      return;
    }
    request.log.error({ err: error }, 'a governed stream failed');
    yield errorEvent('INTERNAL_ERROR', 'Internal server error');
  }
}

/** The receipt of the exchange's last decision (the answer's, or the prompt's when nothing was asked of the model). */
const receiptOf = (decisionId: string) => `/api/v1/audit/receipts/${decisionId}`;

/**
 * The LLM gateway over OpenAI's wire protocol: an app changes its client's base URL to PGC's `/v1` and its API key to
 * an ACGS API key, and every prompt and answer is governed. Errors leave in OpenAI's shape with ours inside.
 */
export function registerLlmRoutes(app: ServiceApp, gateway: LlmGateway): void {
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
      const principal = principalOf(request);
      const caller = { userId: principal.userId, apiKeyId: principal.apiKeyId, requestId: request.id, session: null };
      if (request.body.stream === true) {
        // The app hanging up closes the upstream's stream too, and what it was sent is logged.
        const hungUp = new AbortController();
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) hungUp.abort();
        });
        const { decisions, events } = await gateway.chatStream(caller, request.body, hungUp.signal);
        reply
          .header('content-type', 'text/event-stream; charset=utf-8')
          .header('cache-control', 'no-cache')
          // A proxy in front (nginx) passes each event on as it comes instead of buffering the answer.
          .header('x-accel-buffering', 'no')
          .header('x-acgs-decisions', decisions.map((decision) => decision.decision_id).join(','));
        return reply.send(Readable.from(serverSentEvents(events, request)));
      }
      const exchange = await gateway.chat(caller, request.body);
      const ids = exchange.decisions.map((decision) => decision.decision_id);
      reply.header('x-acgs-decisions', ids.join(','));
      if (ids.length > 0) reply.header('x-acgs-receipt', receiptOf(ids[ids.length - 1]!));
      return {
        ...(exchange.body as { id: string; object: string; created: number; model: string; choices: object[] }),
        acgs: { decisions: exchange.decisions },
      };
    },
  );
}
