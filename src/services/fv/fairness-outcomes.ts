import { isFailClosed, withContextDefaults } from '../../domain/enforcement/decide.js';
import type { EngineRequest } from '../../domain/enforcement/engine.js';
import { ValidationError } from '../../domain/errors.js';
import type { Outcome } from '../../domain/verify/fairness.js';
import type { PolicyText } from '../../domain/verify/questions.js';
import { PreparsedPolicies } from '../../domain/verify/replay.js';
import type { RecordedDecision } from '../integrity/ports.js';

export interface LabelledRequest {
  request: EngineRequest;
  group: string;
  label?: boolean;
}

/**
 * The bundle's decisions on labelled requests, as a dry run (nothing logged): allow is the favourable outcome. A
 * request Cedar refuses (unknown action, attributes the schema does not have) is bad input, named by its index.
 */
export function dryRunOutcomes(
  schema: string,
  policies: readonly PolicyText[],
  requests: readonly LabelledRequest[],
): Outcome[] {
  // Parsed once for all requests; the loop below has no await, so no other use of the name can interleave.
  const bundle = new PreparsedPolicies(schema, policies, 'fv:fairness');
  return requests.map(({ request, group, label }, index) => {
    let decision: 'allow' | 'deny';
    try {
      decision = bundle.decide({ ...request, context: withContextDefaults(request.context) }).decision;
    } catch (error) {
      throw new ValidationError(`requests/${index}: ${(error as Error).message}`, 'INVALID_FAIRNESS_INPUT', {
        cause: error,
      });
    }
    return { group, favourable: decision === 'allow', ...(label === undefined ? {} : { label }) };
  });
}

/**
 * Recorded decisions grouped by `principal.type` or a principal attribute. Decisions without that attribute, and
 * fail-closed denials (no policy decided them), are left out and counted.
 */
export async function recordedOutcomes(
  recent: (since: string | null, limit: number) => Promise<RecordedDecision[]>,
  groupBy: string,
  since: string | null,
  limit: number,
): Promise<{ outcomes: Outcome[]; ungrouped: number; failClosed: number }> {
  const attribute = groupBy.slice('principal.'.length);
  const outcomes: Outcome[] = [];
  let ungrouped = 0;
  let failClosed = 0;
  for (const decision of await recent(since, limit)) {
    if (decision.reasons.some(isFailClosed)) {
      failClosed += 1;
      continue;
    }
    const value = attribute === 'type' ? decision.principal.type : decision.principal.attributes?.[attribute];
    if (value === undefined || value === null || typeof value === 'object') {
      ungrouped += 1;
      continue;
    }
    outcomes.push({ group: String(value), favourable: decision.decision === 'allow' });
  }
  return { outcomes, ungrouped, failClosed };
}
