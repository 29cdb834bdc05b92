import type { Span } from '@opentelemetry/api';
import type { DecisionOutcome, EvaluationRequest } from '../../../domain/enforcement/decide.js';
import { inSpan, spanInForce, tracingEnabled } from '../../../platform/tracing.js';

/** What a span says of a decision (the decision API's answer has all of it). */
type Decided = Pick<
  DecisionOutcome,
  'decision' | 'reasons' | 'findings' | 'obligations' | 'bundle_hash' | 'constitution_hash'
> & {
  decision_id: string;
};

/**
 * Where a decision is traced. A request that is one decision (POST /evaluate) says it on the request's own span: a
 * span costs about 13 µs to record and export, a tenth of the whole evaluate path, and at 100 % sampling two spans
 * per evaluate instead of one was most of tracing's cost. Where a request makes several decisions (a batch, a tool
 * call and its result, a prompt and its answer), each is a span of its own.
 */
export type DecisionTrace = 'own-span' | 'request-span';

/**
 * A decision traced: what was asked of what (names and ids, never the content), and once decided, the decision,
 * the policies and principles behind it, the bundle and constitution it was decided under, and each detector's
 * findings as an event with its kind and count — never the text matched. The log append is an event on the same span.
 */
export function inDecisionSpan<T extends Decided>(
  request: Omit<EvaluationRequest, 'content'>,
  decide: () => Promise<T>,
  where: DecisionTrace,
): Promise<T> {
  // Off, a decision is only decided: nothing is built for a span that will not exist.
  if (!tracingEnabled()) return decide();
  const asked = {
    'acgs.action': request.action,
    'acgs.principal.type': request.principal.type,
    'acgs.principal.id': request.principal.id,
    'acgs.resource.type': request.resource.type,
    'acgs.resource.id': request.resource.id,
  };
  if (where === 'request-span') {
    const span = spanInForce();
    if (span === null) return decide();
    span.setAttributes(asked);
    return decide().then((response) => {
      describe(span, response);
      return response;
    });
  }
  return inSpan(`acgs.decide ${request.action}`, { attributes: asked }, async (span) => {
    const response = await decide();
    if (span.isRecording()) describe(span, response);
    return response;
  });
}

function describe(span: Span, response: Decided): void {
  const policies = response.reasons.flatMap((reason) => (reason.policy_id === null ? [] : [reason.policy_id]));
  const codes = response.reasons.flatMap((reason) => (reason.error_code === undefined ? [] : [reason.error_code]));
  span.setAttributes({
    'acgs.decision': response.decision,
    'acgs.decision_id': response.decision_id,
    'acgs.policy_ids': [...new Set(policies)],
    'acgs.principles': [...new Set(response.reasons.flatMap((reason) => reason.principles))],
    'acgs.reason_codes': [...new Set(codes)],
    'acgs.obligations': [...new Set(response.obligations.map((obligation) => obligation.type))],
    ...(response.bundle_hash === null ? {} : { 'acgs.bundle_hash': response.bundle_hash }),
    ...(response.constitution_hash === null ? {} : { 'acgs.constitution_hash': response.constitution_hash }),
  });
  const counts = new Map<string, { detector: string; kind: string; count: number }>();
  for (const finding of response.findings) {
    const key = `${finding.detector}\u0000${finding.kind}`;
    const seen = counts.get(key) ?? { detector: finding.detector, kind: finding.kind, count: 0 };
    seen.count += 1;
    counts.set(key, seen);
  }
  for (const { detector, kind, count } of counts.values())
    span.addEvent('acgs.finding', {
      'acgs.finding.detector': detector,
      'acgs.finding.kind': kind,
      'acgs.finding.count': count,
    });
}
