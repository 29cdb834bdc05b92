import { cedar } from '../policy/cedar.js';
import type { EngineRequest } from '../enforcement/engine.js';

export interface Replayed {
  /** PGC's decision: Cedar allows and no policy errored. */
  decision: 'allow' | 'deny';
  determining: string[];
  errors: string[];
}

function replayed(response: {
  decision: string;
  diagnostics: { reason: string[]; errors: { policyId: string; error: { message: string } }[] };
}): Replayed {
  const errors = response.diagnostics.errors.map((error) => `${error.policyId}: ${error.error.message}`);
  return {
    decision: response.decision === 'allow' && errors.length === 0 ? 'allow' : 'deny',
    determining: response.diagnostics.reason,
    errors,
  };
}

const entitiesOf = (request: EngineRequest) =>
  [request.principal, request.resource].map((entity) => ({
    uid: { type: entity.type, id: entity.id },
    attrs: entity.attributes ?? {},
    parents: [],
  }));

/**
 * Many requests against one policy set, parsed once (a one-off replay parses schema and policies each time, ~100×
 * slower): what replaying a decision log needs. cedar-wasm keeps parsed sets for the process's life under their
 * name, so a caller reuses one `name` for the same role and stops using the previous set of that name.
 */
export class PreparsedPolicies {
  private readonly schemaName: string;
  private readonly setName: string;

  constructor(schema: string, policies: readonly { id: string; text: string }[], name: string) {
    this.schemaName = `${name}:schema`;
    this.setName = `${name}:policies`;
    const schemaAnswer = cedar.preparseSchema(this.schemaName, schema);
    if (schemaAnswer.type === 'failure') throw new Error(schemaAnswer.errors.map((e) => e.message).join('; '));
    const setAnswer = cedar.preparsePolicySet(this.setName, {
      staticPolicies: Object.fromEntries(policies.map((policy) => [policy.id, policy.text])),
    });
    if (setAnswer.type === 'failure') throw new Error(setAnswer.errors.map((e) => e.message).join('; '));
  }

  decide(request: EngineRequest): Replayed {
    const answer = cedar.statefulIsAuthorized({
      principal: { type: request.principal.type, id: request.principal.id },
      action: { type: 'Action', id: request.action },
      resource: { type: request.resource.type, id: request.resource.id },
      context: request.context,
      entities: entitiesOf(request),
      preparsedSchemaName: this.schemaName,
      validateRequest: true,
      preparsedPolicySetId: this.setName,
    });
    if (answer.type === 'failure')
      throw new Error(`Cedar refused the request: ${answer.errors.map((error) => error.message).join('; ')}`);
    return replayed(answer.response);
  }
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
    entities: entitiesOf(request),
  });
  if (answer.type === 'failure')
    throw new Error(`Cedar refused the request: ${answer.errors.map((error) => error.message).join('; ')}`);
  return replayed(answer.response);
}

/** Whether a Cedar condition holds (true, without error) on a concrete request, decided by Cedar. */
export function conditionHolds(schema: string, condition: string, request: EngineRequest): boolean {
  return (
    replay(schema, [{ id: 'property', text: `permit (principal, action, resource) when { ${condition} };` }], request)
      .decision === 'allow'
  );
}
