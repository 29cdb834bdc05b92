import type { DecisionResponse } from './enforcer.js';

/**
 * Why a decision denied, in words an agent (and the person reading its transcript) can act on: the decision, then
 * each forbidding policy with its principles, or the reason no policy was asked. The gateways put it in their refusals.
 */
export function denialText(response: DecisionResponse): string {
  const why = response.reasons
    .filter((reason) => reason.effect === 'forbid' || reason.error_code !== undefined)
    .map((reason) =>
      reason.policy_id === null
        ? `${reason.error_code}: ${reason.message ?? ''}`.trim()
        : `policy ${reason.policy_id}${reason.principles.length > 0 ? ` (principle ${reason.principles.join(', ')})` : ''}`,
    );
  return `decision ${response.decision_id}: ${why.join('; ') || 'no policy permits it'}`;
}
