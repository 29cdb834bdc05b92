import { cedar } from '../policy/cedar.js';
import { toolsCedar } from '../policy/cedar-runtime.js';
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
  // Sorted: Cedar reports these sets in an order that differs between WASM instances, and reports are hashed.
  const errors = response.diagnostics.errors.map((error) => `${error.policyId}: ${error.error.message}`).sort();
  return {
    decision: response.decision === 'allow' && errors.length === 0 ? 'allow' : 'deny',
    determining: [...response.diagnostics.reason].sort(),
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
  private loaded = -1;

  constructor(
    private readonly schema: string,
    private readonly policies: readonly { id: string; text: string }[],
    readonly name: string,
  ) {
    this.schemaName = `${name}:schema`;
    this.setName = `${name}:policies`;
    this.load();
  }

  /** Parses schema and set into the instance, again after a fault replaced it. */
  private load(): void {
    if (this.loaded === toolsCedar.generation) return;
    this.loaded = toolsCedar.generation;
    const schemaAnswer = cedar.preparseSchema(this.schemaName, this.schema);
    if (schemaAnswer.type === 'failure') throw new Error(schemaAnswer.errors.map((e) => e.message).join('; '));
    const setAnswer = cedar.preparsePolicySet(this.setName, {
      staticPolicies: Object.fromEntries(this.policies.map((policy) => [policy.id, policy.text])),
    });
    if (setAnswer.type === 'failure') throw new Error(setAnswer.errors.map((e) => e.message).join('; '));
  }

  decide(request: EngineRequest): Replayed {
    this.load();
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
 * Policy sets replayed one request at a time recur (a question replays each witness against the bundle, the policy
 * alone, the bundle without it): parsed once into one of a fixed number of cedar-wasm slots, the least recently used
 * slot taken over by a new set, so memory stays bounded however many sets a process sees.
 */
const SLOTS = 64;
const slotOf = new Map<string, PreparsedPolicies>();
let slotsMade = 0;

function preparsed(schema: string, policies: readonly { id: string; text: string }[]): PreparsedPolicies {
  const key = `${schema}\u0000${policies.map((policy) => `${policy.id}\u0000${policy.text}`).join('\u0000')}`;
  const found = slotOf.get(key);
  if (found !== undefined) {
    slotOf.delete(key);
    slotOf.set(key, found);
    return found;
  }
  let name: string;
  if (slotsMade < SLOTS) name = `replay:${slotsMade++}`;
  else {
    const [oldest, evicted] = slotOf.entries().next().value as [string, PreparsedPolicies];
    slotOf.delete(oldest);
    name = evicted.name;
  }
  const made = new PreparsedPolicies(schema, policies, name);
  slotOf.set(key, made);
  return made;
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
  return preparsed(schema, policies).decide(request);
}

/** Whether a Cedar condition holds (true, without error) on a concrete request, decided by Cedar. */
export function conditionHolds(schema: string, condition: string, request: EngineRequest): boolean {
  return (
    replay(schema, [{ id: 'property', text: `permit (principal, action, resource) when { ${condition} };` }], request)
      .decision === 'allow'
  );
}
