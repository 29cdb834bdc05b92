/**
 * ACGS-PGP SDK for agent code: `createGuard` asks the enforcement service; `createLocalGuard` decides in-process
 * with the same code the service runs, on a bundle it verified itself.
 */
import { context, propagation } from '@opentelemetry/api';
import { canonicalJson } from '../domain/canonical-json.js';
import { verifyDetached } from '../domain/crypto/openpgp.js';
import {
  decide,
  type DecisionOutcome,
  type EvaluationRequest,
  type Obligation,
  type Reason,
} from '../domain/enforcement/decide.js';
import { PolicyEngine } from '../domain/enforcement/engine.js';
import { enforcementCedar } from '../domain/policy/cedar-runtime.js';
import { verifySignedBundle, type SignedBundle } from '../domain/policy/bundle.js';
import { checkBundleLogged, type BundleLogProof } from '../domain/policy/transparency.js';
import { isErrorCode, type SdkErrorCode } from '../domain/error-codes.js';

export type { EvaluationRequest, Obligation, Reason, SignedBundle, SdkErrorCode };

export interface GuardDecision {
  decision: 'allow' | 'deny';
  reasons: Reason[];
  obligations: Obligation[];
  bundle_hash: string | null;
  constitution_hash: string | null;
  decision_id?: string;
}

/**
 * Every failure the SDK reports: the service's own error (its code, status, detail and request id, to quote when
 * asking why) or one found on the client side (status null). Callers switch on `code`, never on the message.
 */
export class AcgsError extends Error {
  constructor(
    readonly code: SdkErrorCode,
    readonly status: number | null,
    readonly detail: string,
    readonly requestId: string | null = null,
  ) {
    super(`${code}${status === null ? '' : ` (HTTP ${status})`}: ${detail}`);
    this.name = 'AcgsError';
  }
}

/** The AcgsError for a service's non-2xx answer. */
async function errorFrom(response: Response): Promise<AcgsError> {
  const body = (await response.json().catch(() => null)) as {
    detail?: unknown;
    error_code?: unknown;
    request_id?: unknown;
  } | null;
  if (body !== null && typeof body.error_code === 'string' && isErrorCode(body.error_code)) {
    return new AcgsError(
      body.error_code,
      response.status,
      String(body.detail ?? ''),
      typeof body.request_id === 'string' ? body.request_id : null,
    );
  }
  return new AcgsError(
    'UNEXPECTED_RESPONSE',
    response.status,
    `the service answered ${response.status} without an error code`,
    response.headers.get('x-request-id'),
  );
}

export class GuardDeniedError extends Error {
  constructor(
    readonly stage: 'input' | 'output',
    readonly result: GuardDecision,
  ) {
    super(`${stage} denied by ${result.reasons.map((reason) => reason.policy_id ?? reason.error_code).join(', ')}`);
    this.name = 'GuardDeniedError';
  }

  /** The approval request a held call opened: once a person approves it, the same call (same arguments) runs once. */
  get approvalId(): string | null {
    for (const obligation of this.result.obligations)
      if (obligation.type === 'require_human_review' && obligation.approval_id !== undefined)
        return obligation.approval_id;
    return null;
  }
}

export interface WrapOptions {
  principal: EvaluationRequest['principal'];
  resource: EvaluationRequest['resource'];
  /** Action checked on the input (default generate) and on the output (default respond). */
  inputAction?: string;
  outputAction?: string;
  context?: EvaluationRequest['context'];
}

export interface Guard {
  check(request: EvaluationRequest): Promise<GuardDecision>;
  /**
   * Wraps an LLM call: the input is checked (and redacted when the decision says so) before the call, the output
   * after it; a deny at either point throws GuardDeniedError.
   */
  wrap<Args extends unknown[]>(
    call: (input: string, ...rest: Args) => Promise<string>,
    options: WrapOptions,
  ): (input: string, ...rest: Args) => Promise<string>;
}

function redacted(content: string, result: GuardDecision): string {
  const redaction = result.obligations.find((obligation) => obligation.type === 'redact');
  return redaction?.type === 'redact' ? redaction.redacted_content : content;
}

function withWrap(check: Guard['check']): Guard {
  return {
    check,
    wrap(call, options) {
      return async (input, ...rest) => {
        const base = {
          principal: options.principal,
          resource: options.resource,
          ...(options.context === undefined ? {} : { context: options.context }),
        };
        const before = await check({ ...base, action: options.inputAction ?? 'generate', content: input });
        if (before.decision === 'deny') throw new GuardDeniedError('input', before);
        const output = await call(redacted(input, before), ...rest);
        const afterCheck = await check({ ...base, action: options.outputAction ?? 'respond', content: output });
        if (afterCheck.decision === 'deny') throw new GuardDeniedError('output', afterCheck);
        return redacted(output, afterCheck);
      };
    },
  };
}

export interface ToolMeta {
  /** The tool's catalogue id (`<server>.<tool>`): its risk and classification are the catalogue's, not the caller's. */
  name: string;
  principal: EvaluationRequest['principal'];
  /** Calls in one session are decided with what came before them (context.prior_tools, prior_findings). */
  sessionId?: string;
}

/** A guard on the service, which can also guard tools: the same checks the MCP gateway makes on every tool call. */
export interface RemoteGuard extends Guard {
  /**
   * Wraps a tool: each call is decided as a `tool_call` on `Tool::"<name>"` with its arguments as content, then its
   * result as a `respond` (redacted, and the redaction decided again, when PII or secrets are in it). A deny throws
   * GuardDeniedError; one held for a person carries `approvalId`, and the same call runs once it is approved.
   */
  wrapTool<Args extends Record<string, unknown>, Result>(
    tool: (args: Args) => Promise<Result>,
    meta: ToolMeta,
  ): (args: Args) => Promise<Result>;
}

/** What a tool returned, as the text the detectors read: a string as it is, anything else as JSON. */
const toolText = (result: unknown): string => (typeof result === 'string' ? result : JSON.stringify(result ?? null));

/** A guard that asks the enforcement service (POST /api/v1/enforcement/evaluate) with an agent API key. */
export function createGuard(options: { url: string; apiKey: string; fetch?: typeof fetch }): RemoteGuard {
  const send = options.fetch ?? fetch;
  const endpoint = `${options.url.replace(/\/$/, '')}/api/v1/enforcement/evaluate`;
  const ask = async (request: EvaluationRequest & { session_id?: string }): Promise<GuardDecision> => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-api-key': options.apiKey };
    // An app running OpenTelemetry has its trace continue into the decision (traceparent); otherwise this adds nothing.
    propagation.inject(context.active(), headers);
    const response = await send(endpoint, { method: 'POST', headers, body: JSON.stringify(request) });
    if (!response.ok) throw await errorFrom(response);
    return (await response.json()) as GuardDecision;
  };
  return {
    ...withWrap(ask),
    wrapTool<Args extends Record<string, unknown>, Result>(tool: (args: Args) => Promise<Result>, meta: ToolMeta) {
      return async (args: Args): Promise<Result> => {
        const base = {
          principal: meta.principal,
          resource: { type: 'Tool', id: meta.name },
          ...(meta.sessionId === undefined ? {} : { session_id: meta.sessionId }),
        };
        const call = await ask({ ...base, action: 'tool_call', content: canonicalJson(args) });
        if (call.decision === 'deny') throw new GuardDeniedError('input', call);
        const result = await tool(args);
        const text = toolText(result);
        const delivered = await ask({ ...base, action: 'respond', content: text });
        const redaction = delivered.obligations.find((obligation) => obligation.type === 'redact');
        if (redaction?.type !== 'redact') {
          if (delivered.decision === 'deny') throw new GuardDeniedError('output', delivered);
          return result;
        }
        // What the agent gets must itself be allowed: the redacted result is decided again.
        const again = await ask({ ...base, action: 'respond', content: redaction.redacted_content });
        if (again.decision === 'deny') throw new GuardDeniedError('output', again);
        if (typeof result === 'string') return redaction.redacted_content as Result;
        try {
          return JSON.parse(redaction.redacted_content) as Result;
        } catch {
          // A redaction that broke the result's JSON cannot be handed back as the tool's type.
          throw new GuardDeniedError('output', delivered);
        }
      };
    },
  };
}

/** A signed bundle with the audit log's proof that it was activated, as GET /api/v1/enforcement/bundle serves it. */
export type LoggedBundle = SignedBundle & { log_proof: BundleLogProof | null };

export interface LocalGuardOptions {
  /** A signed bundle with its log proof, or where to fetch one (GET /api/v1/enforcement/bundle) with an API key. */
  bundle?: LoggedBundle;
  bundleUrl?: string;
  apiKey?: string;
  /**
   * Trusted armored OpenPGP public keys (GET /api/v1/crypto/keys). A bundle none of them signed is refused, and so is
   * one whose activation is not proven in a tree head they signed.
   */
  publicKeys: readonly string[];
}

/** A guard that decides in-process: same inputs, same decision as the service, no network on the hot path. */
export async function createLocalGuard(options: LocalGuardOptions): Promise<Guard & { bundleHash: string }> {
  let signed = options.bundle;
  if (signed === undefined) {
    if (options.bundleUrl === undefined)
      throw new AcgsError('INVALID_OPTIONS', null, 'createLocalGuard needs bundle or bundleUrl');
    const response = await fetch(options.bundleUrl, {
      headers: options.apiKey === undefined ? {} : { 'x-api-key': options.apiKey },
    });
    if (!response.ok) throw await errorFrom(response);
    signed = (await response.json()) as LoggedBundle;
  }
  const trusted = async (bytes: Uint8Array, signature: string) =>
    (await verifyDetached(bytes, signature, options.publicKeys)).valid;
  if (!(await verifySignedBundle(signed, trusted)))
    throw new AcgsError(
      'BUNDLE_REFUSED',
      null,
      'the bundle signature does not verify with any of the given public keys',
    );
  const logged = await checkBundleLogged(signed, signed.log_proof, null, trusted);
  if (!logged.ok) throw new AcgsError('BUNDLE_REFUSED', null, `${logged.reason}: ${logged.detail}`);
  const engine = new PolicyEngine(signed.bundle, signed.hash, undefined, enforcementCedar);
  const toDecision = (outcome: DecisionOutcome): GuardDecision => ({
    decision: outcome.decision,
    reasons: outcome.reasons,
    obligations: outcome.obligations,
    bundle_hash: outcome.bundle_hash,
    constitution_hash: outcome.constitution_hash,
  });
  return { ...withWrap(async (request) => toDecision(decide(engine, request))), bundleHash: signed.hash };
}

/** A decision the LLM gateway made on an exchange, as its responses list them under `acgs.decisions`. */
export interface ExchangeDecision {
  decision_id: string;
  action: 'generate' | 'respond' | 'tool_call';
  decision: 'allow' | 'deny';
}

/**
 * The options that put an OpenAI client behind the LLM gateway — the only change an app makes:
 *
 * ```ts
 * import OpenAI from 'openai';
 * const openai = new OpenAI(llmGateway({ url: 'http://pgc:8005', apiKey: process.env.ACGS_API_KEY! }));
 * ```
 *
 * which is `new OpenAI({ baseURL: 'http://pgc:8005/v1', apiKey: <ACGS API key> })`, plus the `x-acgs-session`
 * header when the exchanges belong to one task (`sessionId`: its history and `context.session_tokens`).
 */
export function llmGateway(options: { url: string; apiKey: string; sessionId?: string }): {
  baseURL: string;
  apiKey: string;
  defaultHeaders: Record<string, string>;
} {
  return {
    baseURL: `${options.url.replace(/\/+$/, '')}/v1`,
    apiKey: options.apiKey,
    defaultHeaders: options.sessionId === undefined ? {} : { 'x-acgs-session': options.sessionId },
  };
}

/**
 * The decisions on an exchange: a completion's or response's `acgs.decisions`, or a stream's last chunk or final
 * event that carries them; an empty list when the object carries none (any other chunk).
 */
export function exchangeDecisions(answer: unknown): ExchangeDecision[] {
  const holder = answer as {
    acgs?: { decisions?: ExchangeDecision[] };
    response?: { acgs?: { decisions?: ExchangeDecision[] } };
  };
  return holder?.acgs?.decisions ?? holder?.response?.acgs?.decisions ?? [];
}
