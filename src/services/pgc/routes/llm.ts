import { AUDIENCES } from '../../../domain/auth/roles.js';
import { principalOf } from '../../../platform/http/access.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { LlmGateway } from '../llm/gateway.js';
import {
  ChatCompletionBody,
  ChatCompletionView,
  ModelListView,
  OpenAiError,
  openAiErrorResponses,
} from '../llm/schemas.js';

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
          200: ChatCompletionView,
          ...openAiErrorResponses(400, 401, 403, 404, 413, 502, 503, 504),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const exchange = await gateway.chat(
        { userId: principal.userId, apiKeyId: principal.apiKeyId, requestId: request.id, session: null },
        request.body,
      );
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
