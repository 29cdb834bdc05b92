import client from 'prom-client';
import { NotFoundError, PolicyDenied, ValidationError } from '../../../domain/errors.js';
import type { EntityRef } from '../../../domain/enforcement/engine.js';
import type { DecisionReasonCode } from '../../../domain/error-codes.js';
import {
  newMessageIndexes,
  promptText,
  redactMessages,
  type ChatMessage,
  type PromptText,
} from '../../../domain/llm/chat.js';
import type { AuditLog } from '../../../platform/audit/log.js';
import { denialText } from '../enforcement/denial.js';
import type { DecisionResponse, Enforcer, EnforcementCaller } from '../enforcement/enforcer.js';
import type { EnforcementSession } from '../enforcement/session-store.js';
import { postJson, UpstreamFailed } from './upstream-client.js';
import type { LlmUpstream, LlmUpstreamRegistry } from './upstream-registry.js';

/** Who calls the LLM gateway: an authenticated agent account and the request it sent. */
export interface LlmCaller extends EnforcementCaller {
  requestId: string;
  session: EnforcementSession | null;
}

/** A decision the gateway made on an exchange, as the response lists it. */
export interface ExchangeDecision {
  decision_id: string;
  action: 'generate' | 'respond' | 'tool_call';
  decision: 'allow' | 'deny';
}

/** OpenAI's `chat.completion`: the fields the gateway relies on, and whatever else the provider sent. */
export interface ChatCompletion {
  id: string;
  object?: string;
  created: number;
  model?: string;
  choices: Choice[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  [field: string]: unknown;
}

const isCompletion = (body: Record<string, unknown>): body is ChatCompletion =>
  typeof body['id'] === 'string' &&
  Number.isInteger(body['created']) &&
  Array.isArray(body['choices']) &&
  (body['choices'] as unknown[]).every((choice) => typeof choice === 'object' && choice !== null);

/** What the gateway answers: the body to send (the upstream's, governed) and the decisions made on the way. */
export interface Exchange {
  body: ChatCompletion & { object: string; model: string };
  decisions: ExchangeDecision[];
}

export type ExchangeOutcome = 'allow' | 'redacted' | 'denied' | 'withheld' | 'upstream_error';

export interface LlmGatewayMetrics {
  requests: client.Counter<'upstream' | 'model' | 'outcome'>;
  tokens: client.Counter<'direction'>;
}

export function createLlmGatewayMetrics(registry: client.Registry): LlmGatewayMetrics {
  return {
    requests: new client.Counter({
      name: 'acgs_llm_requests_total',
      help: 'Chat completions through the LLM gateway by upstream, model and outcome (allow, redacted, denied, withheld, upstream_error)',
      labelNames: ['upstream', 'model', 'outcome'] as const,
      registers: [registry],
    }),
    tokens: new client.Counter({
      name: 'acgs_llm_tokens_total',
      help: 'Tokens through the LLM gateway as the upstreams counted them: prompt (in) and completion (out)',
      labelNames: ['direction'] as const,
      registers: [registry],
    }),
  };
}

/**
 * The catalogue id a model's proposed function is decided as: its name under `llm.`, so an admin catalogues the
 * functions apps offer their models (risk, classification) beside the MCP servers' tools.
 */
export const toolIdOf = (functionName: string) => `llm.${functionName}`;

/** Every choice withheld: no content, no tool calls, the reason as the message's refusal, as OpenAI shows one. */
function withhold(choices: Choice[], reason: string): void {
  for (const choice of choices) {
    if (choice.message === undefined) continue;
    choice.message.content = null;
    choice.message.refusal = reason;
    delete choice.message.tool_calls;
    choice.finish_reason = 'content_filter';
  }
}

interface ToolCall {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface Choice {
  index?: number;
  message?: ChatMessage & { tool_calls?: ToolCall[]; refusal?: string | null };
  finish_reason?: string | null;
  [field: string]: unknown;
}

/**
 * The LLM gateway's logic, free of HTTP: a chat completion's new messages are decided as `generate` on the model
 * before the upstream is called (a denial never reaches it; a redaction rewrites what is forwarded), the answer is
 * decided as `respond` (redacted, or withheld with `finish_reason: "content_filter"` and the reason as the message's
 * `refusal`), and each tool call the model proposes is decided as `tool_call` (a forbidden or held one is removed,
 * its reason in the refusal). Every decision is logged with a receipt before the gateway acts on it.
 */
export class LlmGateway {
  constructor(
    private readonly deps: {
      enforcer: Enforcer;
      upstreams: LlmUpstreamRegistry;
      metrics: LlmGatewayMetrics;
      audit: AuditLog;
    },
  ) {}

  /** The models the gateway routes, named `<upstream>/<model>`, as OpenAI's `GET /v1/models` lists them. */
  async models(): Promise<{ id: string; owned_by: string; created: number }[]> {
    return (await this.deps.upstreams.list()).flatMap((upstream) =>
      upstream.models.map((model) => ({
        id: `${upstream.name}/${model}`,
        owned_by: upstream.name,
        created: Math.floor(upstream.created_at.getTime() / 1000),
      })),
    );
  }

  /**
   * The upstream and its model for a requested name: `<upstream>/<model>`, or a model exactly one upstream lists.
   * An upstream that lists no models serves any model named through it.
   */
  async route(requested: string): Promise<{ upstream: LlmUpstream; model: string; id: string }> {
    const slash = requested.indexOf('/');
    if (slash > 0) {
      const upstream = await this.deps.upstreams.find(requested.slice(0, slash));
      const model = requested.slice(slash + 1);
      if (upstream !== null && model !== '' && (upstream.models.length === 0 || upstream.models.includes(model)))
        return { upstream, model, id: requested };
    }
    const serving = (await this.deps.upstreams.list()).filter((upstream) => upstream.models.includes(requested));
    if (serving.length === 1)
      return { upstream: serving[0]!, model: requested, id: `${serving[0]!.name}/${requested}` };
    throw new NotFoundError(
      serving.length === 0
        ? `No upstream serves the model "${requested}": name it <upstream>/<model> (GET /v1/models lists them)`
        : `The model "${requested}" is served by ${serving.map((u) => u.name).join(', ')}: name it <upstream>/${requested}`,
      'MODEL_NOT_FOUND',
    );
  }

  async chat(caller: LlmCaller, request: Record<string, unknown>): Promise<Exchange> {
    if (request['stream'] === true)
      throw new ValidationError('stream: true is not served yet; send stream: false', 'VALIDATION_ERROR');
    const { upstream, model, id } = await this.route(request['model'] as string);
    const count = (outcome: ExchangeOutcome) =>
      this.deps.metrics.requests.inc({ upstream: upstream.name, model, outcome });
    const decisions: ExchangeDecision[] = [];
    const resource: EntityRef = { type: 'Model', id, attributes: { provider: upstream.name } };
    const decide = async (action: ExchangeDecision['action'], content: string, on: EntityRef = resource) => {
      // A proposed call is decided as the MCP gateway decides one: on the tool it names, `context.tool` its name.
      const context = on.type === 'Tool' ? { tool: on.id } : {};
      const response = await this.deps.enforcer.evaluate(
        { principal: { type: 'Agent', id: caller.userId }, action, resource: on, context, content },
        caller,
        caller.requestId,
        caller.session,
      );
      decisions.push({ decision_id: response.decision_id, action, decision: response.decision });
      return response;
    };

    /** An answer refused before any policy is asked: logged as a deny with its reason. */
    const refuse = async (action: 'respond', code: DecisionReasonCode, message: string) => {
      const response = await this.deps.enforcer.refuse(
        { principal: { type: 'Agent', id: caller.userId }, action, resource },
        { error_code: code, message },
        caller,
        caller.requestId,
        caller.session,
      );
      decisions.push({ decision_id: response.decision_id, action, decision: 'deny' });
      return response;
    };

    const messages = request['messages'] as ChatMessage[];
    const prompt = promptText(messages, newMessageIndexes(messages));
    const forwarded = await this.governPrompt(messages, prompt, decide, decisions, count);

    let answer: ChatCompletion;
    try {
      const body = await postJson(upstream, '/chat/completions', { ...request, model, messages: forwarded });
      if (!isCompletion(body))
        throw new UpstreamFailed(
          upstream.name,
          'answered with JSON that is not a chat.completion (id, created, choices)',
        );
      answer = body;
    } catch (error) {
      count('upstream_error');
      // The prompt was allowed and logged; that the exchange never completed is on the record too.
      await this.deps.audit.record({
        userId: caller.userId,
        action: 'llm.upstream_failed',
        resource: `model:${id}`,
        details: {
          decision_ids: decisions.map((d) => d.decision_id),
          error: String((error as Error).message).slice(0, 500),
        },
      });
      throw error;
    }
    const usage = answer.usage;
    this.deps.metrics.tokens.inc({ direction: 'in' }, usage?.prompt_tokens ?? 0);
    this.deps.metrics.tokens.inc({ direction: 'out' }, usage?.completion_tokens ?? 0);

    const choices = answer.choices;
    const outcome = await this.governCompletion(choices, decide, refuse);
    count(forwarded === messages ? outcome : outcome === 'allow' ? 'redacted' : outcome);
    return { body: { ...answer, object: answer.object ?? 'chat.completion', model: id, choices }, decisions };
  }

  /** The messages to forward: as sent, redacted where policy allows only that, or a PolicyDenied. */
  private async governPrompt(
    messages: ChatMessage[],
    prompt: PromptText,
    decide: (action: 'generate', content: string) => Promise<DecisionResponse>,
    decisions: ExchangeDecision[],
    count: (outcome: ExchangeOutcome) => void,
  ): Promise<ChatMessage[]> {
    const asked = await decide('generate', prompt.content);
    const redaction = asked.obligations.find((obligation) => obligation.type === 'redact');
    if (redaction === undefined) {
      if (asked.decision === 'allow') return messages;
      count('denied');
      throw new PolicyDenied(
        `The prompt was denied by ACGS policy and never reached the model — ${denialText(asked)}`,
        'PROMPT_DENIED',
        decisions.map((decision) => decision.decision_id),
      );
    }
    // What reaches the model must itself be allowed: the redacted prompt is decided again.
    const sensitive = asked.findings.filter((f) => f.detector === 'pii' || f.detector === 'secrets');
    const redacted = redactMessages(messages, prompt, sensitive);
    const again = await decide('generate', promptText(redacted, newMessageIndexes(redacted)).content);
    if (again.decision === 'allow') return redacted;
    count('denied');
    throw new PolicyDenied(
      `The prompt was denied by ACGS policy, even redacted, and never reached the model — ${denialText(again)}`,
      'PROMPT_DENIED',
      decisions.map((decision) => decision.decision_id),
    );
  }

  /**
   * Decides the answer (its choices' text together: one decision per completion) and the tool calls it proposes,
   * rewriting the choices in place.
   */
  private async governCompletion(
    choices: Choice[],
    decide: (action: 'respond' | 'tool_call', content: string, on?: EntityRef) => Promise<DecisionResponse>,
    refuse: (action: 'respond', code: DecisionReasonCode, message: string) => Promise<DecisionResponse>,
  ): Promise<ExchangeOutcome> {
    const said: ChatMessage[] = choices.map((choice) => ({
      role: 'assistant',
      content: choice.message?.content ?? null,
    }));
    const text = promptText(
      said,
      said.map((_, index) => index),
    );
    let outcome: ExchangeOutcome = 'allow';
    const oversized = this.deps.enforcer.contentTooLarge(text.content);
    if (oversized !== null) {
      const refused = await refuse('respond', 'CONTENT_TOO_LARGE', `The answer was withheld: ${oversized}`);
      withhold(choices, `Withheld by ACGS policy — ${denialText(refused)}`);
      return 'withheld';
    }
    if (text.content !== '') {
      const delivered = await decide('respond', text.content);
      const sensitive = delivered.findings.filter((f) => f.detector === 'pii' || f.detector === 'secrets');
      let verdict = delivered;
      let rewritten = said;
      if (sensitive.length > 0) {
        rewritten = redactMessages(said, text, sensitive);
        verdict = await decide(
          'respond',
          promptText(
            rewritten,
            rewritten.map((_, index) => index),
          ).content,
        );
        outcome = 'redacted';
      }
      if (verdict.decision === 'deny') {
        withhold(choices, `Withheld by ACGS policy — ${denialText(verdict)}`);
        return 'withheld';
      }
      choices.forEach((choice, index) => {
        if (choice.message !== undefined) choice.message.content = rewritten[index]!.content as string | null;
      });
    }
    for (const choice of choices) {
      const proposed = choice.message?.tool_calls;
      if (proposed === undefined || proposed.length === 0) continue;
      const kept: ToolCall[] = [];
      const refused: string[] = [];
      for (const call of proposed) {
        const name = call.function?.name ?? '';
        const verdict = await decide('tool_call', call.function?.arguments ?? '', { type: 'Tool', id: toolIdOf(name) });
        if (verdict.decision === 'allow') {
          kept.push(call);
          continue;
        }
        const held = verdict.obligations.find((obligation) => obligation.type === 'require_human_review');
        refused.push(
          `tool call ${call.id ?? name} (${name}) removed — ${denialText(verdict)}` +
            (held?.approval_id === undefined ? '' : `; held for human approval: approval ${held.approval_id}`),
        );
      }
      if (refused.length === 0) continue;
      outcome = 'withheld';
      choice.message!.refusal = refused.join('\n');
      if (kept.length > 0) choice.message!.tool_calls = kept;
      else {
        delete choice.message!.tool_calls;
        choice.finish_reason = 'content_filter';
      }
    }
    return outcome;
  }
}
