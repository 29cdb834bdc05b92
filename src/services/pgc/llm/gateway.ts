import client from 'prom-client';
import { NotFoundError, PolicyDenied } from '../../../domain/errors.js';
import type { EntityRef } from '../../../domain/enforcement/engine.js';
import type { DecisionReasonCode } from '../../../domain/error-codes.js';
import {
  newMessageIndexes,
  promptText,
  redactMessages,
  type ChatMessage,
  type PromptText,
} from '../../../domain/llm/chat.js';
import { isRedactable } from '../../../domain/detectors/redact.js';
import type { AuditLog } from '../../../platform/audit/log.js';
import { denialText } from '../enforcement/denial.js';
import type { DecisionResponse, Enforcer, EnforcementCaller } from '../enforcement/enforcer.js';
import type { EnforcementSession } from '../enforcement/session-store.js';
import { governToolCalls, type ExchangeDecision, type ExchangeOutcome, type ToolCall } from './exchange.js';
import { governStream, type StreamEvent, type StreamExchange } from './stream.js';
import { postJson, postStream, UpstreamFailed } from './upstream-client.js';
import type { LlmUpstream, LlmUpstreamRegistry } from './upstream-registry.js';
import { estimateTokens, type UsageMeter } from './usage-meter.js';
import type { Span } from '@opentelemetry/api';
import { inOpenSpan, inSpan, openSpan, SpanKind } from '../../../platform/tracing.js';

/** Who calls the LLM gateway: an authenticated agent account and the request it sent. */
export interface LlmCaller extends EnforcementCaller {
  requestId: string;
  /** The caller's enforcement session (`x-acgs-session`), its id as the caller named it, or null outside one. */
  session: { id: string; enforcement: EnforcementSession } | null;
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

export interface LlmGatewayMetrics {
  requests: client.Counter<'upstream' | 'model' | 'outcome'>;
  tokens: client.Counter<'direction'>;
  firstText: client.Histogram<'upstream'>;
  overhead: client.Histogram<'phase'>;
}

export function createLlmGatewayMetrics(registry: client.Registry): LlmGatewayMetrics {
  return {
    requests: new client.Counter({
      name: 'acgs_llm_requests_total',
      help: 'Exchanges through the LLM gateway (chat completions and responses) by upstream, model and outcome (allow, redacted, denied, withheld, upstream_error)',
      labelNames: ['upstream', 'model', 'outcome'] as const,
      registers: [registry],
    }),
    tokens: new client.Counter({
      name: 'acgs_llm_tokens_total',
      help: 'Tokens through the LLM gateway as the upstreams counted them: prompt (in) and completion (out)',
      labelNames: ['direction'] as const,
      registers: [registry],
    }),
    firstText: new client.Histogram({
      name: 'acgs_llm_time_to_first_token_seconds',
      help: "Streamed completions and responses: from the request's arrival to the first answer text released to the app (the hold-back window included)",
      labelNames: ['upstream'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16],
      registers: [registry],
    }),
    overhead: new client.Histogram({
      name: 'acgs_llm_gateway_overhead_seconds',
      help: 'Time the gateway adds to an exchange: prompt (arrival to the upstream call) and answer (the upstream done to the app answered)',
      labelNames: ['phase'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  };
}

const secondsSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

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
      usage: UsageMeter;
      metrics: LlmGatewayMetrics;
      audit: AuditLog;
    },
  ) {}

  /** The models the gateway routes, named `<upstream>/<model>`, as OpenAI's `GET /v1/models` lists them. */
  async models(): Promise<{ id: string; owned_by: string; created: number }[]> {
    return (await this.deps.upstreams.routable()).flatMap((upstream) =>
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
    const upstreams = await this.deps.upstreams.routable();
    const slash = requested.indexOf('/');
    if (slash > 0) {
      const upstream = upstreams.find((candidate) => candidate.name === requested.slice(0, slash));
      const model = requested.slice(slash + 1);
      if (upstream !== undefined && model !== '' && (upstream.models.length === 0 || upstream.models.includes(model)))
        return { upstream, model, id: requested };
    }
    const serving = upstreams.filter((upstream) => upstream.models.includes(requested));
    if (serving.length === 1)
      return { upstream: serving[0]!, model: requested, id: `${serving[0]!.name}/${requested}` };
    throw new NotFoundError(
      serving.length === 0
        ? `No upstream serves the model "${requested}": name it <upstream>/<model> (GET /v1/models lists them)`
        : `The model "${requested}" is served by ${serving.map((u) => u.name).join(', ')}: name it <upstream>/${requested}`,
      'MODEL_NOT_FOUND',
    );
  }

  /**
   * An exchange begun: the model routed, the prompt decided (a denial thrown before the upstream is called) and the
   * messages to forward, with the exchange's own decide, refuse and count.
   */
  private async begin(caller: LlmCaller, request: Record<string, unknown>, span: Span) {
    const arrived = process.hrtime.bigint();
    const messages = request['messages'] as ChatMessage[];
    const promptTokens = estimateTokens(
      promptText(
        messages,
        messages.map((_, index) => index),
      ).content,
    );
    // Routing reads the cached upstreams, so an unknown model is refused before any budget is reserved.
    const { upstream, model, id } = await this.route(request['model'] as string);
    // Budgets are decided on the caller's running totals (this request and those in flight counted in); from here
    // until the exchange settles, it holds its share.
    const metered = await this.deps.usage.begin(caller.userId, caller.session?.id ?? null, promptTokens);
    span.setAttribute('acgs.llm.upstream', upstream.name);
    const count = (outcome: ExchangeOutcome) => {
      span.setAttribute('acgs.llm.outcome', outcome);
      this.deps.metrics.requests.inc({ upstream: upstream.name, model, outcome });
    };
    const decisions: ExchangeDecision[] = [];
    const usageContext = {
      tokens_24h: metered.totals.tokens24h,
      requests_24h: metered.totals.requests24h,
      session_tokens: metered.totals.sessionTokens,
    };
    const principal: EntityRef = { type: 'Agent', id: caller.userId };
    const resource: EntityRef = { type: 'Model', id, attributes: { provider: upstream.name } };
    const decide = async (action: ExchangeDecision['action'], content: string, tool?: string) => {
      // A proposed call is decided as the MCP gateway decides one: on the tool it names, `context.tool` its name.
      const on: EntityRef = tool === undefined ? resource : { type: 'Tool', id: tool };
      const context = tool === undefined ? usageContext : { ...usageContext, tool };
      const response = await this.deps.enforcer.evaluate(
        { principal, action, resource: on, context, content },
        caller,
        caller.requestId,
        caller.session?.enforcement ?? null,
      );
      decisions.push({ decision_id: response.decision_id, action, decision: response.decision });
      return response;
    };
    /** An answer refused before any policy is asked: logged as a deny with its reason. */
    const refuse = async (code: DecisionReasonCode, message: string) => {
      const response = await this.deps.enforcer.refuse(
        { principal, action: 'respond', resource },
        { error_code: code, message },
        caller,
        caller.requestId,
        caller.session?.enforcement ?? null,
      );
      decisions.push({ decision_id: response.decision_id, action: 'respond', decision: 'deny' });
      return response;
    };
    /** The prompt was allowed and logged; that the exchange never completed is on the record too. */
    const upstreamFailed = async (error: unknown) => {
      count('upstream_error');
      await this.deps.audit.record({
        userId: caller.userId,
        action: 'llm.upstream_failed',
        resource: `model:${id}`,
        details: {
          decision_ids: decisions.map((d) => d.decision_id),
          error: String((error as Error).message).slice(0, 500),
        },
      });
    };
    /** The exchange's tokens, counted and metered for budgets: the provider's count, else the gateway's estimate. */
    const meter = async (usage: ChatCompletion['usage'], answered: string) => {
      const counted = Number.isInteger(usage?.prompt_tokens) && Number.isInteger(usage?.completion_tokens);
      const tokens = counted
        ? { prompt_tokens: usage!.prompt_tokens!, completion_tokens: usage!.completion_tokens!, estimated: false }
        : { prompt_tokens: promptTokens, completion_tokens: estimateTokens(answered), estimated: true };
      this.deps.metrics.tokens.inc({ direction: 'in' }, tokens.prompt_tokens);
      this.deps.metrics.tokens.inc({ direction: 'out' }, tokens.completion_tokens);
      span.setAttributes({
        'gen_ai.usage.input_tokens': tokens.prompt_tokens,
        'gen_ai.usage.output_tokens': tokens.completion_tokens,
      });
      await metered.settle({ upstream: upstream.name, model, usage: tokens });
    };
    const prompt = promptText(messages, newMessageIndexes(messages));
    let forwarded: ChatMessage[];
    try {
      forwarded = await this.governPrompt(messages, prompt, decide, decisions, count);
    } catch (error) {
      await metered.settle(null);
      throw error;
    }
    this.deps.metrics.overhead.observe({ phase: 'prompt' }, secondsSince(arrived));
    return {
      arrived,
      upstream,
      model,
      id,
      principal,
      resource,
      decisions,
      decide,
      refuse,
      // An exchange whose prompt was redacted counts as redacted when its answer passed unchanged.
      finish: (outcome: ExchangeOutcome) => count(forwarded !== messages && outcome === 'allow' ? 'redacted' : outcome),
      meter,
      /** The exchange ends without an answer to count: the provider failed, or its stream was never read. */
      abandon: () => metered.settle(null),
      upstreamFailed,
      body: { ...request, model, messages: forwarded },
    };
  }

  /**
   * The name and start of an exchange's `chat <model>` span (OpenTelemetry GenAI conventions), a child of the span in
   * force; the exchange adds the answer's model, tokens and outcome as it learns them — never messages.
   */
  private static span(request: Record<string, unknown>) {
    return {
      name: `chat ${String(request['model'])}`,
      options: {
        kind: SpanKind.CLIENT,
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': String(request['model']) },
      },
    };
  }

  async chat(caller: LlmCaller, request: Record<string, unknown>): Promise<Exchange> {
    const { name, options } = LlmGateway.span(request);
    return inSpan(name, options, (span) => this.chatIn(caller, request, span));
  }

  private async chatIn(caller: LlmCaller, request: Record<string, unknown>, span: Span): Promise<Exchange> {
    const exchange = await this.begin(caller, request, span);
    let answer: ChatCompletion;
    try {
      const body = await postJson(exchange.upstream, '/chat/completions', exchange.body);
      if (!isCompletion(body))
        throw new UpstreamFailed(
          exchange.upstream.name,
          'answered with JSON that is not a chat.completion (id, created, choices)',
        );
      answer = body;
    } catch (error) {
      await exchange.abandon();
      await exchange.upstreamFailed(error);
      throw error;
    }
    const answered = process.hrtime.bigint();
    const choices = answer.choices;
    // The tokens are metered while the answer is decided: the two writes go to different connections.
    const [, outcome] = await Promise.all([
      exchange.meter(
        answer.usage,
        choices.map((choice) => (typeof choice.message?.content === 'string' ? choice.message.content : '')).join(''),
      ),
      this.governCompletion(choices, exchange.decide, exchange.refuse),
    ]);
    exchange.finish(outcome);
    this.deps.metrics.overhead.observe({ phase: 'answer' }, secondsSince(answered));
    span.setAttributes({
      'gen_ai.response.id': answer.id,
      ...(typeof answer.model === 'string' ? { 'gen_ai.response.model': answer.model } : {}),
      'gen_ai.response.finish_reasons': choices.map((choice) => String(choice.finish_reason ?? '')),
    });
    return {
      body: { ...answer, object: answer.object ?? 'chat.completion', model: exchange.id, choices },
      decisions: exchange.decisions,
    };
  }

  /**
   * A streamed chat completion: the prompt decided and the upstream's stream opened before anything is answered
   * (so a denial or an upstream that refuses is an ordinary error response), then the stream's events, governed as
   * they pass (`governStream`). `signal` is the app's connection: when it goes, the upstream's is closed.
   */
  async chatStream(
    caller: LlmCaller,
    request: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<{
    model: string;
    decisions: ExchangeDecision[];
    events: AsyncGenerator<StreamEvent, void>;
    abandon: () => Promise<void>;
  }> {
    // The exchange's span stays open until its stream ends (or is never read), every step of the stream in it.
    const { name, options } = LlmGateway.span(request);
    const traced = openSpan(name, options);
    const opened = await traced
      .within(() => this.openStream(caller, request, signal, traced.span))
      .catch((error: unknown) => {
        traced.fail(error);
        traced.end();
        throw error;
      });
    const { exchange, upstream, governed } = opened;
    let started = false;
    const enforcer = this.deps.enforcer;
    return {
      model: exchange.id,
      decisions: [...exchange.decisions],
      events: inOpenSpan(
        traced,
        (async function* () {
          started = true;
          yield* governStream(enforcer, governed, upstream, signal);
        })(),
      ),
      // A stream never read (the app gone before its first byte) runs no governStream to meter it or close the
      // provider's stream, so both happen here.
      abandon: async () => {
        if (started) return;
        await traced.within(async () => {
          await upstream.return();
          await exchange.abandon();
        });
        traced.end();
      },
    };
  }

  /** A streamed exchange begun: the prompt decided and the upstream's stream opened, ready to be governed. */
  private async openStream(caller: LlmCaller, request: Record<string, unknown>, signal: AbortSignal, span: Span) {
    const exchange = await this.begin(caller, request, span);
    let upstream: AsyncGenerator<Record<string, unknown>, void>;
    try {
      upstream = await postStream(exchange.upstream, '/chat/completions', exchange.body, signal);
    } catch (error) {
      await exchange.abandon();
      await exchange.upstreamFailed(error);
      throw error;
    }
    const governed: StreamExchange = {
      model: exchange.id,
      principal: exchange.principal,
      resource: exchange.resource,
      decisions: exchange.decisions,
      decide: exchange.decide,
      refuseAnswer: (message) => exchange.refuse('CONTENT_TOO_LARGE', message),
      count: exchange.finish,
      meter: exchange.meter,
      upstreamFailed: exchange.upstreamFailed,
      firstText: () =>
        this.deps.metrics.firstText.observe({ upstream: exchange.upstream.name }, secondsSince(exchange.arrived)),
      answered: (since) => this.deps.metrics.overhead.observe({ phase: 'answer' }, secondsSince(since)),
    };
    return { exchange, upstream, governed };
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
    const sensitive = asked.findings.filter(isRedactable);
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
    decide: (action: 'respond' | 'tool_call', content: string, tool?: string) => Promise<DecisionResponse>,
    refuse: (code: DecisionReasonCode, message: string) => Promise<DecisionResponse>,
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
      const refused = await refuse('CONTENT_TOO_LARGE', `The answer was withheld: ${oversized}`);
      withhold(choices, `Withheld by ACGS policy — ${denialText(refused)}`);
      return 'withheld';
    }
    if (text.content !== '') {
      const delivered = await decide('respond', text.content);
      const sensitive = delivered.findings.filter(isRedactable);
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
      const { kept, refused } = await governToolCalls(proposed, (tool, args) => decide('tool_call', args, tool));
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
