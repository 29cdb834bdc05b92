import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Bundle, BundlePolicy } from '../policy/bundle.js';
import { metadataOf, policyJson } from '../policy/cedar.js';
import { toolsCedar, type CedarRuntime } from '../policy/cedar-runtime.js';
import { ACTIONS, GOVERNANCE_SCHEMA, PRINCIPAL_TYPES, RESOURCE_TYPES } from '../policy/governance-schema.js';
import { schemaShape, type SchemaShape } from '../policy/schema-shape.js';
import { authorizeCompiled, compilePolicy, NotCompiled, type CompiledPolicy } from '../policy/compiled-policy.js';
import { compiledRequest } from './compiled-request.js';
import type { EngineRequest } from './engine-request.js';

const sliceKey = (action: string, principalType: string, resourceType: string) =>
  `${action}|${principalType}|${resourceType}`;

export type { EntityRef, EngineRequest } from './engine-request.js';

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

/**
 * The run-time check of compiled decisions: a share of them decided again by cedar-wasm off the request's path. A
 * disagreement switches the engine to cedar-wasm for good (fail safe) before it is reported.
 */
export interface EvaluatorCheck {
  /** Share of compiled decisions checked, 0–1. */
  rate: number;
  /** Runs a check later, off the path of the request it checks. */
  later: (work: () => void) => void;
  /** Hears a disagreement, after the engine stopped deciding compiled. */
  onMismatch: (request: EngineRequest, compiled: EngineResult, cedar: EngineResult) => void;
  random?: () => number;
}

export interface EngineOptions {
  /** False: cedar-wasm decides everything (ACGS_EVALUATOR=cedar, or after a disagreement). */
  compiled?: boolean;
  check?: EvaluatorCheck;
  /** Hears which evaluator decided each request. */
  onEvaluated?: (compiled: boolean) => void;
}

/** Whether two results say the same: decision, determining policies and erroring policies (not the messages). */
export function sameResult(a: EngineResult, b: EngineResult): boolean {
  const ids = (list: readonly string[]) => [...list].sort().join('\n');
  return (
    a.decision === b.decision &&
    ids(a.determining) === ids(b.determining) &&
    ids(a.errors.map((error) => error.policy_id)) === ids(b.errors.map((error) => error.policy_id))
  );
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
  /** Each set's policies compiled to closures, or null where one of them is left to cedar-wasm. */
  private readonly compiledSets = new Map<string, CompiledPolicy[] | null>();
  /** Policies not compiled, by id, and why (decided by cedar-wasm, with the rest of their slices). */
  readonly notCompiled: ReadonlyMap<string, string>;
  /** The bundle's policies by id, for the reasons a decision gives (built once, not per decision). */
  readonly policies: ReadonlyMap<string, BundlePolicy>;
  /** Whether the bundle's schema is the current one: its requests need no attributes filtered out. */
  private readonly current: boolean;
  /** Off: every request goes to cedar-wasm (a disagreement was seen, or the caller asked for Cedar alone). */
  private compiledOn = true;

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
    private readonly options: EngineOptions = {},
  ) {
    this.compiledOn = options.compiled !== false;
    this.policies = new Map(bundle.policies.map((policy) => [policy.id, policy]));
    this.current = bundle.schema === GOVERNANCE_SCHEMA;
    // Each policy parsed once: its scope slices the bundle, and the same JSON is what gets compiled.
    const parsed = bundle.policies.map((policy) => ({ policy, est: policyJson(policy.text) }));
    const scopes = parsed.map(({ policy, est }) => ({ policy, scope: metadataOf(est) }));
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
    const compiled = new Map<string, CompiledPolicy>();
    const notCompiled = new Map<string, string>();
    for (const { policy, est } of parsed) {
      try {
        compiled.set(policy.id, compilePolicy(policy.id, est));
      } catch (error) {
        if (!(error instanceof NotCompiled)) throw error;
        notCompiled.set(policy.id, error.message);
      }
    }
    this.notCompiled = notCompiled;
    for (const [setId, members] of this.setTexts) {
      const policies = Object.keys(members).map((id) => compiled.get(id));
      this.compiledSets.set(
        setId,
        policies.every((policy) => policy !== undefined) ? (policies as CompiledPolicy[]) : null,
      );
    }
    this.load();
  }

  /** Whether compiled policies decide (false when built so, or once the run-time check found a disagreement). */
  get compiledInUse(): boolean {
    return this.compiledOn;
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

  /**
   * The decision, by the compiled policies where the request's slice is compiled and the request is one the schema
   * plainly admits, else by cedar-wasm. `compiled` says which decided.
   */
  evaluate(request: EngineRequest): EngineResult & { compiled: boolean } {
    const setId =
      this.sliceIds.get(sliceKey(request.action, request.principal.type, request.resource.type)) ?? this.fullSetId;
    const policies = this.compiledOn ? this.compiledSets.get(setId) : null;
    if (policies !== null && policies !== undefined) {
      const compiled = compiledRequest(
        request,
        this.known(request.context, this.shape.context, CURRENT.context),
        this.shape,
        (ref) => this.known(ref.attributes, this.shape.attributes[ref.type], CURRENT.attributes[ref.type]),
      );
      if (compiled !== null) {
        const result = authorizeCompiled(policies, compiled);
        this.options.onEvaluated?.(true);
        this.checkLater(request, setId, result);
        return { ...result, compiled: true };
      }
    }
    this.options.onEvaluated?.(false);
    return { ...this.run(request, setId), compiled: false };
  }

  private checkLater(request: EngineRequest, setId: string, compiled: EngineResult): void {
    const check = this.options.check;
    if (check === undefined || (check.random ?? Math.random)() >= check.rate) return;
    check.later(() => {
      let cedar: EngineResult;
      try {
        cedar = this.run(request, setId);
      } catch (error) {
        // Cedar refusing a request the compiled path decided is a disagreement too.
        cedar = { decision: 'deny', determining: [], errors: [{ policy_id: '(request)', message: String(error) }] };
      }
      if (sameResult(compiled, cedar)) return;
      this.compiledOn = false;
      check.onMismatch(request, compiled, cedar);
    });
  }

  /** The same request decided by cedar-wasm on its slice: the oracle the compiled decisions are checked against. */
  evaluateWithCedar(request: EngineRequest): EngineResult {
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
    // A bundle on the current schema declares whatever the current schema does: nothing to leave out.
    if (this.current) return attributes;
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
