import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Bundle } from '../policy/bundle.js';
import { cedar, policyMetadata } from '../policy/cedar.js';
import { ACTIONS } from '../policy/governance-schema.js';

export interface EntityRef {
  type: string;
  id: string;
  attributes?: Record<string, CedarValueJson>;
}

export interface EngineRequest {
  principal: EntityRef;
  action: string;
  resource: EntityRef;
  context: Record<string, CedarValueJson>;
}

export interface EngineResult {
  decision: 'allow' | 'deny';
  /** Ids of the policies that determined the decision (Cedar's diagnostics reason). */
  determining: string[];
  /** Policies that failed to evaluate; Cedar skips them, so the caller must treat any as a reason to deny. */
  errors: { policy_id: string; message: string }[];
}

export class EngineRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineRequestError';
  }
}

let loadCounter = 0;

/**
 * A bundle loaded into Cedar. Policies are pre-parsed once per action slice: a request is evaluated only against the
 * policies whose scope names its action (or every action), which cannot change the decision — a policy whose action
 * scope excludes the request never applies — and keeps evaluation cost flat as bundles grow.
 */
export class PolicyEngine {
  private readonly schemaName: string;
  private readonly sliceIds: Map<string, string>;
  private readonly fullSetId: string;

  constructor(readonly bundle: Bundle, readonly bundleHash: string) {
    const actionScopes = new Map(bundle.policies.map((policy) => [policy.id, policyMetadata(policy.text).actions]));
    // Names are unique per load: cedar-wasm caches by name, and two loads of one bundle must not collide.
    const prefix = `${bundleHash}:${(loadCounter += 1)}`;
    this.schemaName = `${prefix}:schema`;
    const schemaAnswer = cedar.preparseSchema(this.schemaName, bundle.schema);
    if (schemaAnswer.type === 'failure') throw new Error(`bundle schema does not parse: ${schemaAnswer.errors.map((e) => e.message).join('; ')}`);
    const texts = Object.fromEntries(bundle.policies.map((policy) => [policy.id, policy.text]));
    this.fullSetId = `${prefix}:all`;
    this.preparse(this.fullSetId, texts);
    this.sliceIds = new Map();
    for (const action of ACTIONS) {
      const slice = Object.fromEntries(bundle.policies.filter((policy) => {
        const scope = actionScopes.get(policy.id);
        return scope === null || scope === undefined || scope.includes(action);
      }).map((policy) => [policy.id, policy.text]));
      const id = `${prefix}:${action}`;
      this.preparse(id, slice);
      this.sliceIds.set(action, id);
    }
  }

  private preparse(id: string, policies: Record<string, string>): void {
    const answer = cedar.preparsePolicySet(id, { staticPolicies: policies });
    if (answer.type === 'failure') throw new Error(`bundle policies do not parse: ${answer.errors.map((e) => e.message).join('; ')}`);
  }

  evaluate(request: EngineRequest): EngineResult {
    return this.run(request, this.sliceIds.get(request.action) ?? this.fullSetId);
  }

  /** The same request against every policy, for proving that slicing never changes a decision. */
  evaluateUnsliced(request: EngineRequest): EngineResult {
    return this.run(request, this.fullSetId);
  }

  private run(request: EngineRequest, policySetId: string): EngineResult {
    const answer = cedar.statefulIsAuthorized({
      principal: { type: request.principal.type, id: request.principal.id },
      action: { type: 'Action', id: request.action },
      resource: { type: request.resource.type, id: request.resource.id },
      context: request.context,
      entities: [
        { uid: { type: request.principal.type, id: request.principal.id }, attrs: request.principal.attributes ?? {}, parents: [] },
        { uid: { type: request.resource.type, id: request.resource.id }, attrs: request.resource.attributes ?? {}, parents: [] },
      ],
      preparsedSchemaName: this.schemaName,
      validateRequest: true,
      preparsedPolicySetId: policySetId,
    });
    if (answer.type === 'failure') throw new EngineRequestError(answer.errors.map((error) => error.message).join('; '));
    return {
      decision: answer.response.decision,
      determining: answer.response.diagnostics.reason,
      errors: answer.response.diagnostics.errors.map((error) => ({ policy_id: error.policyId, message: error.error.message })),
    };
  }
}
