import { cedar } from '../policy/cedar.js';
import type { EngineRequest } from '../enforcement/engine.js';

export interface Replayed {
  /** PGC's decision: Cedar allows and no policy errored. */
  decision: 'allow' | 'deny';
  determining: string[];
  errors: string[];
}

/**
 * Decides a concrete request with Cedar itself (cedar-wasm, the engine PGC runs), independently of the encoding, so
 * every claim the solver makes about a request is checked against the real evaluator before it is reported.
 */
export function replay(
  schema: string,
  policies: readonly { id: string; text: string }[],
  request: EngineRequest,
): Replayed {
  const answer = cedar.isAuthorized({
    principal: { type: request.principal.type, id: request.principal.id },
    action: { type: 'Action', id: request.action },
    resource: { type: request.resource.type, id: request.resource.id },
    context: request.context,
    schema,
    validateRequest: true,
    policies: { staticPolicies: Object.fromEntries(policies.map((policy) => [policy.id, policy.text])) },
    entities: [request.principal, request.resource].map((entity) => ({
      uid: { type: entity.type, id: entity.id },
      attrs: entity.attributes ?? {},
      parents: [],
    })),
  });
  if (answer.type === 'failure')
    throw new Error(`Cedar refused the request: ${answer.errors.map((error) => error.message).join('; ')}`);
  const errors = answer.response.diagnostics.errors.map((error) => `${error.policyId}: ${error.error.message}`);
  return {
    decision: answer.response.decision === 'allow' && errors.length === 0 ? 'allow' : 'deny',
    determining: answer.response.diagnostics.reason,
    errors,
  };
}

/** Whether a Cedar condition holds (true, without error) on a concrete request, decided by Cedar. */
export function conditionHolds(schema: string, condition: string, request: EngineRequest): boolean {
  return (
    replay(schema, [{ id: 'property', text: `permit (principal, action, resource) when { ${condition} };` }], request)
      .decision === 'allow'
  );
}
