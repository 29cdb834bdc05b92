/**
 * ACGS-PGP SDK for agent code: `createGuard` asks the enforcement service; `createLocalGuard` decides in-process
 * with the same code the service runs, on a bundle it verified itself.
 */
import { verifyDetached } from '../domain/crypto/openpgp.js';
import {
  decide,
  type DecisionOutcome,
  type EvaluationRequest,
  type Obligation,
  type Reason,
} from '../domain/enforcement/decide.js';
import { PolicyEngine } from '../domain/enforcement/engine.js';
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

/** A guard that asks the enforcement service (POST /api/v1/enforcement/evaluate) with an agent API key. */
export function createGuard(options: { url: string; apiKey: string; fetch?: typeof fetch }): Guard {
  const send = options.fetch ?? fetch;
  const endpoint = `${options.url.replace(/\/$/, '')}/api/v1/enforcement/evaluate`;
  return withWrap(async (request) => {
    const response = await send(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
      body: JSON.stringify(request),
    });
    if (!response.ok) throw await errorFrom(response);
    return (await response.json()) as GuardDecision;
  });
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
  const engine = new PolicyEngine(signed.bundle, signed.hash);
  const toDecision = (outcome: DecisionOutcome): GuardDecision => ({
    decision: outcome.decision,
    reasons: outcome.reasons,
    obligations: outcome.obligations,
    bundle_hash: outcome.bundle_hash,
    constitution_hash: outcome.constitution_hash,
  });
  return { ...withWrap(async (request) => toDecision(decide(engine, request))), bundleHash: signed.hash };
}
