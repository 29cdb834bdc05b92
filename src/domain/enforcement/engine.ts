import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Bundle } from '../policy/bundle.js';
import { policyMetadata } from '../policy/cedar.js';
import { toolsCedar, type CedarRuntime } from '../policy/cedar-runtime.js';
import { ACTIONS, GOVERNANCE_SCHEMA, PRINCIPAL_TYPES, RESOURCE_TYPES } from '../policy/governance-schema.js';
import { schemaShape, type SchemaShape } from '../policy/schema-shape.js';

const sliceKey = (action: string, principalType: string, resourceType: string) =>
  `${action}|${principalType}|${resourceType}`;

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

const CURRENT = schemaShape(GOVERNANCE_SCHEMA);

/**
 * A bundle loaded into Cedar. Policies are pre-parsed once per slice — action × principal type × resource type — and a
 * request is evaluated only against the policies whose scope can match it (a scope of "any" joins every slice). This
 * cannot change a decision, since a policy whose scope excludes the request never applies, and it keeps evaluation
 * cost near flat as bundles grow.
 */
export class PolicyEngine {
  private readonly schemaName: string;
  private readonly sliceIds: Map<string, string>;
  private readonly fullSetId: string;
  private readonly shape: SchemaShape;
  /** Each pre-parsed set's policies by id, for partial evaluation (cedar-wasm takes it text, not a set id). */
  private readonly setTexts = new Map<string, Record<string, string>>();
  /** The runtime generation the schema and sets were pre-parsed into; a fault's new instance needs them again. */
  private loaded = -1;

  /**
   * cedar-wasm keeps every pre-parsed set for the life of the process, keyed by name. A `namespace` reuses names so a
   * long-running enforcer that reloads bundles overwrites its old sets instead of accumulating them; the caller must
   * stop using the previous engine of that namespace. Without one, names are unique to this engine.
   */
  constructor(
    readonly bundle: Bundle,
    readonly bundleHash: string,
    namespace?: string,
    private readonly runtime: CedarRuntime = toolsCedar,
  ) {
    const scopes = bundle.policies.map((policy) => ({ policy, scope: policyMetadata(policy.text) }));
    this.shape = schemaShape(bundle.schema);
    const prefix = namespace ?? `engine${(loadCounter += 1)}`;
    this.schemaName = `${prefix}:schema`;
    const texts = Object.fromEntries(bundle.policies.map((policy) => [policy.id, policy.text]));
    this.fullSetId = `${prefix}:all`;
    this.setTexts.set(this.fullSetId, texts);
    this.sliceIds = new Map();
    // Many slices hold the same policies (all of them, when no policy names a type); each distinct set is parsed once.
    const setIdsByMembers = new Map<string, string>();
    for (const action of ACTIONS) {
      for (const principalType of PRINCIPAL_TYPES) {
        for (const resourceType of RESOURCE_TYPES) {
          const members = scopes
            .filter(
              ({ scope }) =>
                (scope.actions === null || scope.actions.includes(action)) &&
                (scope.principalType === null || scope.principalType === principalType) &&
                (scope.resourceType === null || scope.resourceType === resourceType),
            )
            .map(({ policy }) => policy.id);
          const membersKey = members.join('\n');
          let setId = setIdsByMembers.get(membersKey);
          if (setId === undefined) {
            setId = `${prefix}:slice${setIdsByMembers.size}`;
            this.setTexts.set(setId, Object.fromEntries(members.map((id) => [id, texts[id]!])));
            setIdsByMembers.set(membersKey, setId);
          }
          this.sliceIds.set(sliceKey(action, principalType, resourceType), setId);
        }
      }
    }
    this.load();
  }

  /**
   * Pre-parses the schema and every set into the runtime's instance: at construction, and again when a fault has
   * replaced the instance since (the sets lived in the old one's memory).
   */
  private load(): void {
    if (this.loaded === this.runtime.generation) return;
    const generation = this.runtime.generation;
    const schemaAnswer = this.runtime.api.preparseSchema(this.schemaName, this.bundle.schema);
    if (schemaAnswer.type === 'failure')
      throw new Error(`bundle schema does not parse: ${schemaAnswer.errors.map((e) => e.message).join('; ')}`);
    for (const [id, policies] of this.setTexts) {
      const answer = this.runtime.api.preparsePolicySet(id, { staticPolicies: policies });
      if (answer.type === 'failure')
        throw new Error(`bundle policies do not parse: ${answer.errors.map((e) => e.message).join('; ')}`);
    }
    this.loaded = generation;
  }

  /**
   * Null when the engine can decide now; otherwise why not. After a fault replaced the instance, this loads the
   * bundle into the new one, so health answers for the instance requests will actually use.
   */
  readiness(): string | null {
    try {
      this.load();
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /**
   * Whether some context could make Cedar allow this principal, action and resource: partial evaluation with every
   * context attribute unknown. False only when the bundle denies the request whatever its context (and content)
   * — what the gateway needs to leave a tool out of a principal's tools/list. Not a decision: calls are decided.
   */
  mayAllow(request: Omit<EngineRequest, 'context'>): boolean {
    const setId =
      this.sliceIds.get(sliceKey(request.action, request.principal.type, request.resource.type)) ?? this.fullSetId;
    const answer = this.runtime.api.isAuthorizedPartial({
      principal: { type: request.principal.type, id: request.principal.id },
      action: { type: 'Action', id: request.action },
      resource: { type: request.resource.type, id: request.resource.id },
      context: Object.fromEntries(
        Object.keys(this.shape.context).map((name) => [name, { __extn: { fn: 'unknown', arg: `context.${name}` } }]),
      ),
      policies: { staticPolicies: this.setTexts.get(setId)! },
      entities: this.entities(request),
    });
    return !(answer.type === 'residuals' && answer.response.decision === 'deny');
  }

  evaluate(request: EngineRequest): EngineResult {
    return this.run(
      request,
      this.sliceIds.get(sliceKey(request.action, request.principal.type, request.resource.type)) ?? this.fullSetId,
    );
  }

  /** The same request against every policy, for proving that slicing never changes a decision. */
  evaluateUnsliced(request: EngineRequest): EngineResult {
    return this.run(request, this.fullSetId);
  }

  /**
   * A bundle is enforced with its own schema: a bundle built under an older schema version is not given the
   * attributes added since (its policies cannot read them). Anything else passes through, so Cedar still refuses an
   * attribute no schema declares.
   */
  private known(
    attributes: Record<string, CedarValueJson> | undefined,
    declared: Record<string, unknown> | undefined,
    current: Record<string, unknown> | undefined,
  ): Record<string, CedarValueJson> {
    if (attributes === undefined) return {};
    return Object.fromEntries(
      Object.entries(attributes).filter(([name]) => declared?.[name] !== undefined || current?.[name] === undefined),
    );
  }

  private entities(request: Omit<EngineRequest, 'context'>) {
    return [request.principal, request.resource].map((ref) => ({
      uid: { type: ref.type, id: ref.id },
      attrs: this.known(ref.attributes, this.shape.attributes[ref.type], CURRENT.attributes[ref.type]),
      parents: [],
    }));
  }

  private run(request: EngineRequest, policySetId: string): EngineResult {
    this.load();
    const answer = this.runtime.api.statefulIsAuthorized({
      principal: { type: request.principal.type, id: request.principal.id },
      action: { type: 'Action', id: request.action },
      resource: { type: request.resource.type, id: request.resource.id },
      context: this.known(request.context, this.shape.context, CURRENT.context),
      entities: this.entities(request),
      preparsedSchemaName: this.schemaName,
      validateRequest: true,
      preparsedPolicySetId: policySetId,
    });
    if (answer.type === 'failure') throw new EngineRequestError(answer.errors.map((error) => error.message).join('; '));
    return {
      decision: answer.response.decision,
      determining: answer.response.diagnostics.reason,
      errors: answer.response.diagnostics.errors.map((error) => ({
        policy_id: error.policyId,
        message: error.error.message,
      })),
    };
  }
}
