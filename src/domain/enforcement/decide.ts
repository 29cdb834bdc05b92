import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Finding } from '../detectors/finding.js';
import type { CompiledKeywordList } from '../detectors/keywords.js';
import type { ClassifierVerdict } from '../detectors/moderation.js';
import { isRedactable, redact } from '../detectors/redact.js';
import { runDetectors, type DetectedContext, type Detection } from '../detectors/run.js';
import { CONTEXT_ATTRIBUTES } from '../policy/governance-schema.js';
import type { EntityRef, PolicyEngine } from './engine.js';

export interface EvaluationRequest {
  principal: EntityRef;
  action: string;
  resource: EntityRef;
  context?: Record<string, unknown>;
  content?: string;
}

export interface Reason {
  policy_id: string | null;
  effect: 'permit' | 'forbid';
  principles: string[];
  /** Set when the reason is a failure rather than a policy: NO_ACTIVE_BUNDLE, POLICY_ERROR, NO_PERMIT. */
  error_code?: string;
  message?: string;
}

export type Obligation =
  | { type: 'redact'; spans: { start: number; end: number; kind: string }[]; redacted_content: string }
  | { type: 'require_human_review'; policy_ids: string[]; approval_id?: string };

export interface DecisionOutcome {
  decision: 'allow' | 'deny';
  reasons: Reason[];
  findings: Finding[];
  obligations: Obligation[];
  context: Record<string, CedarValueJson>;
  bundle_hash: string | null;
  constitution_hash: string | null;
  detector_timings_us: Record<string, number>;
}

/** What the platform itself knows of a request's session: the tools called and the finding kinds seen before it. */
export interface SessionHistory {
  prior_tools: readonly string[];
  prior_findings: readonly string[];
}

/**
 * The context Cedar sees: defaults, then caller values, with attributes the detectors or the session own only ever
 * made stricter by what the platform observed.
 */
export function effectiveContext(
  given: Record<string, unknown> = {},
  detected: DetectedContext | null,
  session: SessionHistory | null = null,
  approved = false,
): Record<string, CedarValueJson> {
  const observed: Record<string, CedarValueJson | undefined> = {
    ...(detected as unknown as Record<string, CedarValueJson> | null),
    ...(session === null ? {} : { prior_tools: [...session.prior_tools], prior_findings: [...session.prior_findings] }),
    human_approved: approved,
  };
  const context: Record<string, CedarValueJson> = {};
  for (const [name, spec] of Object.entries(CONTEXT_ATTRIBUTES)) {
    if (spec.owner === 'approval') {
      context[name] = observed[name] ?? spec.default;
      continue;
    }
    const callerValue = (given[name] ?? spec.default) as CedarValueJson;
    const observedValue = spec.owner === 'caller' ? undefined : observed[name];
    if (observedValue === undefined) context[name] = callerValue;
    else if (spec.type === 'set')
      context[name] = [...new Set([...(callerValue as string[]), ...(observedValue as string[])])].sort();
    else if (spec.type === 'bool') context[name] = Boolean(callerValue) || Boolean(observedValue);
    else context[name] = Math.max(Number(callerValue), Number(observedValue));
  }
  return context;
}

/**
 * A context with every attribute the schema declares: those missing take their defaults. A decision logged before
 * an attribute existed, or a dry-run request that leaves one out, means what the enforcer would have filled in.
 */
export function withContextDefaults(context: Readonly<Record<string, CedarValueJson>>): Record<string, CedarValueJson> {
  const completed: Record<string, CedarValueJson> = { ...context };
  for (const [name, spec] of Object.entries(CONTEXT_ATTRIBUTES))
    if (completed[name] === undefined) completed[name] = spec.default as CedarValueJson;
  return completed;
}

/** Reason codes of a deny that is a failure to decide rather than a policy's verdict. */
export const FAIL_CLOSED_CODES = ['NO_ACTIVE_BUNDLE', 'CLASSIFIER_UNAVAILABLE', 'POLICY_ERROR'] as const;

/** Whether a reason is a failure to decide (it says nothing about what a bundle would decide). */
export const isFailClosed = (reason: Reason): boolean =>
  (FAIL_CLOSED_CODES as readonly (string | undefined)[]).includes(reason.error_code);

const failClosed = (errorCode: string, message: string): Reason => ({
  policy_id: null,
  effect: 'forbid',
  principles: [],
  error_code: errorCode,
  message,
});

/**
 * One enforcement decision: detectors on the content, the effective context, Cedar on the action's slice, then
 * reasons traced to principles and the obligations the caller must honour. Errors never produce an allow.
 */
export interface DecideOptions {
  keywordLists?: readonly CompiledKeywordList[];
  /** The external classifier's verdict on the content, when one is configured. */
  classifier?: ClassifierVerdict;
  /** What came earlier in the request's session, when it belongs to one. */
  session?: SessionHistory;
  /** A person's grant bound to this request was claimed: `context.human_approved` is true. */
  approved?: boolean;
  /**
   * The detectors' result when they already ran: on the request's content (off the event loop, say), or on text
   * judged before it is decided (a streamed answer's findings, gathered scan by scan).
   */
  detection?: Detection;
}

export function decide(
  engine: PolicyEngine | null,
  request: EvaluationRequest,
  options: DecideOptions = {},
): DecisionOutcome {
  const detection =
    options.detection ??
    (request.content === undefined ? null : runDetectors(request.content, options.keywordLists ?? []));
  const context = effectiveContext(
    request.context,
    detection?.context ?? null,
    options.session ?? null,
    options.approved === true,
  );
  // Classifier categories only ever add to what the caller declared, like a detector-owned attribute.
  if (options.classifier?.ok === true)
    context['unsafe_categories'] = [
      ...new Set([...(context['unsafe_categories'] as string[]), ...options.classifier.categories]),
    ].sort();
  const findings = detection?.findings ?? [];
  const base = { findings, context, detector_timings_us: detection?.timings_us ?? {} };
  if (engine === null) {
    return {
      ...base,
      decision: 'deny',
      reasons: [failClosed('NO_ACTIVE_BUNDLE', 'No verified policy bundle is loaded; every request is denied')],
      obligations: [],
      bundle_hash: null,
      constitution_hash: null,
    };
  }
  if (options.classifier?.ok === false && options.classifier.failClosed) {
    return {
      ...base,
      decision: 'deny',
      reasons: [failClosed('CLASSIFIER_UNAVAILABLE', options.classifier.error)],
      obligations: [],
      bundle_hash: engine.bundleHash,
      constitution_hash: engine.bundle.constitution_hash,
    };
  }
  const result = engine.evaluate({
    principal: request.principal,
    action: request.action,
    resource: request.resource,
    context,
  });
  const policies = engine.policies;
  const reasons: Reason[] = result.determining.map((id) => {
    const policy = policies.get(id)!;
    return { policy_id: id, effect: policy.effect, principles: policy.principles };
  });
  for (const error of result.errors)
    reasons.push({
      ...failClosed('POLICY_ERROR', error.message),
      policy_id: error.policy_id,
      principles: policies.get(error.policy_id)?.principles ?? [],
    });
  const decision = result.decision === 'allow' && result.errors.length === 0 ? 'allow' : 'deny';
  if (decision === 'deny' && reasons.length === 0)
    reasons.push(failClosed('NO_PERMIT', 'No policy permits this request'));

  const obligations: Obligation[] = [];
  const sensitive = findings.filter(isRedactable);
  if (sensitive.length > 0 && request.content !== undefined) {
    const redaction = redact(request.content, sensitive);
    obligations.push({ type: 'redact', spans: redaction.spans, redacted_content: redaction.content });
  }
  const reviewers = result.determining.filter(
    (id) => decision === 'deny' && policies.get(id)?.obligations.includes('require_human_review'),
  );
  if (reviewers.length > 0) obligations.push({ type: 'require_human_review', policy_ids: reviewers });
  return {
    ...base,
    decision,
    reasons,
    obligations,
    bundle_hash: engine.bundleHash,
    constitution_hash: engine.bundle.constitution_hash,
  };
}
