import { assertCedarBounded } from '../../domain/policy/cedar-bounds.js';
import { constraintTypeProblemsAt } from '../../domain/constitution/constraint-types.js';
import { constraintShapeProblems } from '../../domain/constitution/constraints.js';
import type { Constraint } from '../../domain/constitution/types.js';
import { GOVERNANCE_SCHEMA } from '../../domain/policy/governance-schema.js';
import { schemaShape } from '../../domain/policy/schema-shape.js';
import { constraintCondition, describeFinding, type ConformanceReport } from '../../domain/verify/conformance.js';
import { isFailClosed } from '../../domain/enforcement/decide.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import type { SignedBundle } from '../../domain/policy/bundle.js';
import { annotationValues, policyMetadata, validatePolicies } from '../../domain/policy/cedar.js';
import { parseCondition } from '../../domain/verify/bundle-encoding.js';
import {
  FAIRNESS_DEFAULTS,
  FairnessInputError,
  fairnessReport,
  type FairnessOptions,
} from '../../domain/verify/fairness.js';
import { policyProblems, policyWarnings } from '../../domain/verify/policy-checks.js';
import { worstOf } from '../../domain/verify/questions.js';
import type { Basis } from '../../domain/verify/relations.js';
import type { PolicyText, Verdict } from '../../domain/verify/questions.js';
import type { ExportedQuery } from '../../domain/verify/smtlib.js';
import type { Queryable } from '../../platform/db/database.js';
import { replayAll } from '../../platform/threads/parallel-replay.js';
import { SolverUnavailable, type SolverPool } from '../../platform/solver/pool.js';
import type { BundleStore } from '../integrity/bundle-store.js';
import type { JobKind } from './job-store.js';
import type { ConstitutionInForce, ConstitutionReader, DecisionReader } from '../integrity/ports.js';
import { dryRunOutcomes, recordedOutcomes, type LabelledRequest } from './fairness-outcomes.js';

export interface JobOutcome {
  verdict: Verdict;
  report: Record<string, unknown>;
  bundleHash: string | null;
}

interface PolicyInput {
  id?: string;
  text: string;
}

const policiesOf = (signed: SignedBundle): PolicyText[] =>
  signed.bundle.policies.map((policy) => ({ id: policy.id, text: policy.text }));

const fairnessOptions = (request: Record<string, unknown>): FairnessOptions => ({
  minGroupSize: (request['min_group_size'] as number | undefined) ?? FAIRNESS_DEFAULTS.minGroupSize,
  confidence: (request['confidence'] as number | undefined) ?? FAIRNESS_DEFAULTS.confidence,
  resamples: (request['resamples'] as number | undefined) ?? FAIRNESS_DEFAULTS.resamples,
  seed: (request['seed'] as number | undefined) ?? FAIRNESS_DEFAULTS.seed,
  maxOpportunityDifference:
    (request['max_opportunity_difference'] as number | undefined) ?? FAIRNESS_DEFAULTS.maxOpportunityDifference,
});

/**
 * A property's condition: given in Cedar syntax, or in the constitution's constraint form (`matching`: actions,
 * resource_types, when, unless), checked like a constraint — its shape, then its types against the schema.
 */
function propertyCondition(request: Record<string, unknown>): string {
  const { condition, matching } = request as { condition?: string; matching?: Omit<Constraint, 'effect'> };
  if ((condition === undefined) === (matching === undefined))
    throw new ValidationError('give exactly one of condition and matching', 'INVALID_CONDITION');
  if (condition !== undefined) return condition;
  const constraint = { effect: 'forbid', ...matching } as Constraint;
  const problems = constraintShapeProblems(constraint, '/matching');
  if (problems.length === 0)
    problems.push(...constraintTypeProblemsAt(constraint, schemaShape(GOVERNANCE_SCHEMA), '/matching'));
  if (problems.length > 0)
    throw new ValidationError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), 'INVALID_CONDITION');
  return constraintCondition(constraint);
}

/** What a running job is doing, for GET /api/v1/verify/jobs/{id} while it runs. */
export interface JobProgress {
  stage: string;
  solver_calls: number;
}

class Progress {
  private stage = 'starting';
  private calls = 0;

  constructor(private readonly tell: ((progress: JobProgress) => void) | undefined) {}

  at(stage: string): void {
    this.stage = stage;
    this.tell?.({ stage, solver_calls: this.calls });
  }

  readonly check = (): void => {
    this.calls += 1;
    this.tell?.({ stage: this.stage, solver_calls: this.calls });
  };
}

/** What every answer is given: the request, the bundle it concerns, and where solver calls and progress go. */
interface Question {
  request: Record<string, unknown>;
  base: SignedBundle;
  schema: string;
  options: { onQuery: ((query: ExportedQuery) => void) | undefined; onCheck: () => void };
  progress: Progress;
}

interface CompareSide {
  policies?: PolicyInput[];
  bundle_version?: number;
}

/** Refuses, as a 400 naming each problem, policies that do not validate against the schema. */
function mustValidate(policies: readonly PolicyText[], schema: string): void {
  const problems = validatePolicies(Object.fromEntries(policies.map((p) => [p.id, p.text])), schema);
  if (problems.length > 0)
    throw new ValidationError(
      problems.map((problem) => `${problem.policy_id ?? '?'}: ${problem.message}`).join('; '),
      'INVALID_POLICY',
    );
}

/** A policy's id: the one given, else its @id annotation. */
function policyId(input: PolicyInput): string {
  assertCedarBounded(input.text, 'policy.text');
  let annotated: string | undefined;
  try {
    annotated = policyMetadata(input.text).annotations['id'];
  } catch (error) {
    throw new ValidationError(`policy does not parse: ${(error as Error).message}`, 'INVALID_POLICY', { cause: error });
  }
  const id = input.id ?? annotated;
  if (id === undefined) throw new ValidationError('give the policy an id, or an @id annotation', 'POLICY_ID_REQUIRED');
  return id;
}

/** Each constraint finding that is not `holds`, in words with its counterexample. */
const conformanceProblems = (report: ConformanceReport): string[] =>
  report.constraints.filter((finding) => finding.verdict !== 'holds').map(describeFinding);

/**
 * A policy job's policy and what it does to the bundle: `replace` (the default) needs a policy of that id in the
 * bundle — an unknown id is a 404 rather than a silent addition — and `add` needs an id the bundle does not have.
 */
function policyJobInput(
  base: SignedBundle,
  request: Record<string, unknown>,
): { policy: PolicyInput; mode: 'add' | 'replace' } {
  const policy = request['policy'] as PolicyInput;
  const mode = (request['mode'] as 'add' | 'replace' | undefined) ?? 'replace';
  const id = policyId(policy);
  const present = base.bundle.policies.some((existing) => existing.id === id);
  if (mode === 'replace' && !present)
    throw new NotFoundError(
      `bundle v${base.bundle.version} has no policy "${id}" to replace; send mode "add" to add it`,
      'REPLACED_POLICY_NOT_FOUND',
    );
  if (mode === 'add' && present)
    throw new ValidationError(
      `bundle v${base.bundle.version} already has a policy "${id}"; send mode "replace" (the default) to replace it`,
      'POLICY_EXISTS_IN_BUNDLE',
    );
  return { policy, mode };
}

/** Runs one verification job: the bundle it concerns, the constitution that bundle names, and the question. */
export class Verifier {
  constructor(
    private readonly db: Queryable,
    private readonly bundles: BundleStore,
    private readonly constitutions: ConstitutionReader,
    private readonly solver: SolverPool,
    private readonly decisions: DecisionReader,
  ) {}

  /**
   * The checks a job request must pass before it is queued, so bad input is a 4xx that changes nothing: the bundle
   * and its constitution exist, given policies parse and validate against the bundle's schema, a condition parses.
   */
  async validate(kind: JobKind, request: Record<string, unknown>): Promise<void> {
    const base = await this.bundle(request['bundle_version'] as number | undefined);
    if (kind === 'bundle' || kind === 'policy') await this.principles(base, request);
    if (kind === 'policy' || kind === 'impact') {
      const add = kind === 'policy' ? [request['policy'] as PolicyInput] : ((request['add'] as PolicyInput[]) ?? []);
      mustValidate(this.withChanges(base, add, (request['remove'] as string[] | undefined) ?? []), base.bundle.schema);
      if (kind === 'policy') policyJobInput(base, request);
    }
    if (kind === 'compare')
      for (const side of ['left', 'right'] as const)
        mustValidate(await this.side(request[side] as CompareSide, base), base.bundle.schema);
    if (kind === 'fairness') await this.fairnessOutcomes(base, request, true);
    if (kind === 'property') {
      const condition = propertyCondition(request);
      assertCedarBounded(condition, 'condition');
      try {
        parseCondition(condition);
      } catch (error) {
        throw new ValidationError((error as Error).message, 'INVALID_CONDITION', { cause: error });
      }
    }
  }

  /**
   * `onQuery` receives every solver call as SMT-LIB (`acgs verify --smtlib`). A question the solver could not answer
   * (its worker crashed twice, ran out of memory or time) is an `inconclusive` report, never a guess.
   */
  async run(
    kind: JobKind,
    request: Record<string, unknown>,
    observe: { onQuery?: (query: ExportedQuery) => void; onProgress?: (progress: JobProgress) => void } = {},
  ): Promise<JobOutcome> {
    const base = await this.bundle(request['bundle_version'] as number | undefined);
    try {
      const progress = new Progress(observe.onProgress);
      const options = { onQuery: observe.onQuery, onCheck: progress.check };
      return await this.answers[kind]({ request, base, schema: base.bundle.schema, options, progress });
    } catch (error) {
      if (!(error instanceof SolverUnavailable)) throw error;
      return {
        verdict: 'inconclusive',
        report: { bundle_version: base.bundle.version, detail: error.message },
        bundleHash: base.hash,
      };
    }
  }

  /** Each job kind's answer, one method per question: a new kind is a new row. */
  private readonly answers: Record<JobKind, (question: Question) => Promise<JobOutcome>> = {
    bundle: (question) => this.bundleConformance(question),
    policy: (question) => this.policyChange(question),
    property: (question) => this.property(question),
    compare: (question) => this.comparison(question),
    fairness: (question) => this.fairness(question),
    impact: (question) => this.impact(question),
  };

  /** The bundle against every principle of its constitution, and its policies for soundness. */
  private async bundleConformance({ request, base, schema, options, progress }: Question): Promise<JobOutcome> {
    const constitution = await this.principles(base, request);
    progress.at('conformance');
    const conformance = await this.solver.run(
      'checkConformance',
      schema,
      policiesOf(base),
      constitution.principles,
      options,
    );
    progress.at('policy checks');
    const policies = await this.solver.run('checkPolicies', schema, policiesOf(base), options);
    // One verdict for the whole report: the worst of conformance and the policy checks, each problem listed.
    return {
      verdict: worstOf([conformance.verdict, policies.verdict]),
      report: {
        bundle_version: base.bundle.version,
        constitution_version: constitution.version,
        constitution_hash: constitution.hash,
        conformance,
        policies,
        problems: [...conformanceProblems(conformance), ...policyProblems(policies)],
      },
      bundleHash: base.hash,
    };
  }

  /** One policy added or replaced: the result's conformance, the newcomer's soundness, and what it changes. */
  private async policyChange({ request, base, schema, options, progress }: Question): Promise<JobOutcome> {
    const added = policyJobInput(base, request);
    const candidate = this.withChanges(base, [added.policy], []);
    const id = policyId(added.policy);
    const { principles } = await this.principles(base);
    progress.at('conformance');
    const conformance = await this.solver.run('checkConformance', schema, candidate, principles, options);
    progress.at('policy checks');
    const checks = await this.solver.run('checkAddedPolicy', schema, policiesOf(base), candidate, id, options);
    progress.at('change impact');
    const impact = await this.solver.run('compareBundles', schema, policiesOf(base), candidate, options);
    return {
      verdict: worstOf([conformance.verdict, checks.verdict]),
      report: {
        bundle_version: base.bundle.version,
        policy_id: id,
        mode: added.mode,
        conformance,
        policy_checks: checks,
        problems: [...conformanceProblems(conformance), ...policyProblems(checks)],
        warnings: policyWarnings(checks),
        impact,
      },
      bundleHash: base.hash,
    };
  }

  /** Whether the bundle ever decides `never` (allow by default) where the condition holds. */
  private async property({ request, base, schema, options, progress }: Question): Promise<JobOutcome> {
    const decision = (request['never'] as 'allow' | 'deny' | undefined) ?? 'allow';
    const condition = propertyCondition(request);
    progress.at('property');
    const answer = (
      await this.solver.run('neverDecidesEach', schema, policiesOf(base), [{ condition, decision }], options)
    )[0]!;
    return {
      verdict: answer.verdict,
      report: { bundle_version: base.bundle.version, condition, never: decision, ...answer },
      bundleHash: base.hash,
    };
  }

  /** How two policy sets relate (equivalent, one more permissive, or neither), with witnesses. */
  private async comparison({ request, base, schema, options, progress }: Question): Promise<JobOutcome> {
    const left = await this.side(request['left'] as CompareSide, base);
    const right = await this.side(request['right'] as CompareSide, base);
    const basis = (request['basis'] as Basis | undefined) ?? 'allows';
    progress.at('comparison');
    const relation = await this.solver.run('relatePolicies', schema, left, right, basis, options);
    return {
      verdict: relation.equivalent.verdict,
      report: { bundle_version: base.bundle.version, ...relation },
      bundleHash: base.hash,
    };
  }

  /** Whether outcomes differ between groups beyond the allowed opportunity difference. */
  private async fairness({ request, base, progress }: Question): Promise<JobOutcome> {
    progress.at('fairness');
    const { outcomes, ...excluded } = await this.fairnessOutcomes(base, request, false);
    const fairness = fairnessReport(outcomes, fairnessOptions(request));
    return {
      verdict: fairness.verdict,
      report: { bundle_version: base.bundle.version, ...excluded, ...fairness },
      bundleHash: base.hash,
    };
  }

  /** What a change would decide differently: symbolically, and over the recorded decisions replayed. */
  private async impact({ request, base, schema, options, progress }: Question): Promise<JobOutcome> {
    const candidate = this.withChanges(
      base,
      (request['add'] as PolicyInput[] | undefined) ?? [],
      (request['remove'] as string[] | undefined) ?? [],
    );
    progress.at('symbolic impact');
    const symbolic = await this.solver.run('compareBundles', schema, policiesOf(base), candidate, options);
    progress.at('replaying recorded decisions');
    const empirical = await this.empirical(schema, policiesOf(base), candidate, request);
    const changed = symbolic.verdict === 'different' || empirical.flipped > 0;
    const verdict: Verdict =
      symbolic.verdict === 'unsupported' || symbolic.verdict === 'inconclusive'
        ? symbolic.verdict
        : changed
          ? 'violated'
          : 'holds';
    return { verdict, report: { bundle_version: base.bundle.version, symbolic, empirical }, bundleHash: base.hash };
  }

  private async bundle(version: number | undefined): Promise<SignedBundle> {
    const signed = version === undefined ? await this.bundles.active() : await this.bundles.version(version);
    if (signed === null)
      throw new NotFoundError(
        version === undefined ? 'No bundle is active' : `No bundle version ${version}`,
        version === undefined ? 'NO_ACTIVE_BUNDLE' : 'BUNDLE_NOT_FOUND',
      );
    return signed;
  }

  /**
   * The principles to prove against: those of the constitution the bundle names (by hash), or, with
   * `constitution: in_force`, of the latest enacted version — what the conformance watch asks after an amendment.
   */
  private async principles(signed: SignedBundle, request: Record<string, unknown> = {}): Promise<ConstitutionInForce> {
    const pinned = request['constitution_hash'];
    const numbered = request['constitution_version'];
    if (typeof numbered === 'number') {
      if (request['constitution'] !== undefined)
        throw new ValidationError('give at most one of constitution and constitution_version', 'VALIDATION_ERROR');
      const version = await this.constitutions.withPrinciples(this.db, { version: numbered });
      if (version === null) throw new NotFoundError(`No constitution version ${numbered}`, 'CONSTITUTION_NOT_FOUND');
      return version;
    }
    if (typeof pinned === 'string') {
      // The conformance watch names the version it saw in force, so the job proves against that one even if another
      // is enacted while it waits in the queue.
      const version = await this.constitutions.withPrinciples(this.db, { hash: pinned });
      if (version === null) throw new NotFoundError('No constitution with this hash', 'CONSTITUTION_NOT_FOUND');
      return version;
    }
    if (request['constitution'] === 'in_force') {
      const inForce = await this.constitutions.inForce(this.db);
      if (inForce === null) throw new NotFoundError('No constitution is in force', 'CONSTITUTION_NOT_FOUND');
      return inForce;
    }
    const named = await this.constitutions.withPrinciples(this.db, { hash: signed.bundle.constitution_hash });
    if (named === null)
      throw new NotFoundError('The bundle names a constitution this system does not hold', 'CONSTITUTION_NOT_FOUND');
    return named;
  }

  /**
   * The outcomes a fairness question is about, checked as bad input when `validating`: exactly one source, every
   * dry-run request decidable, enough groups of enough members (the bootstrap is skipped while validating).
   */
  private async fairnessOutcomes(base: SignedBundle, request: Record<string, unknown>, validating: boolean) {
    const requests = request['requests'] as LabelledRequest[] | undefined;
    const recorded = request['recorded'] as { group_by: string; since?: string; limit?: number } | undefined;
    if ((requests === undefined) === (recorded === undefined))
      throw new ValidationError('give exactly one of requests and recorded', 'INVALID_FAIRNESS_INPUT');
    const found =
      requests !== undefined
        ? { outcomes: dryRunOutcomes(base.bundle.schema, policiesOf(base), requests), ungrouped: 0, failClosed: 0 }
        : await recordedOutcomes(
            (since, limit) => this.decisions.recent(this.db, since, limit),
            recorded!.group_by,
            recorded!.since ?? null,
            recorded!.limit ?? 10_000,
          );
    if (validating)
      try {
        fairnessReport(found.outcomes, { ...fairnessOptions(request), resamples: 0 });
      } catch (error) {
        if (error instanceof FairnessInputError)
          throw new ValidationError(error.message, 'INVALID_FAIRNESS_INPUT', { cause: error });
        throw error;
      }
    return { outcomes: found.outcomes, ungrouped: found.ungrouped, skipped_fail_closed: found.failClosed };
  }

  /** One side of a comparison: the policies given, else a bundle's (the version given, else the active one). */
  private async side(side: CompareSide, active: SignedBundle): Promise<PolicyText[]> {
    if (side.policies !== undefined) {
      const given = side.policies.map((input) => ({ id: policyId(input), text: input.text }));
      const ids = given.map((policy) => policy.id);
      const repeated = ids.filter((id, index) => ids.indexOf(id) !== index);
      if (repeated.length > 0)
        throw new ValidationError(`policy ids given twice: ${[...new Set(repeated)].join(', ')}`, 'INVALID_POLICY');
      return given;
    }
    return policiesOf(side.bundle_version === undefined ? active : await this.bundle(side.bundle_version));
  }

  /** The base bundle's policies with these added (replacing any of the same id) and these removed. */
  private withChanges(base: SignedBundle, add: readonly PolicyInput[], remove: readonly string[]): PolicyText[] {
    const added = add.map((input) => ({ id: policyId(input), text: input.text }));
    const unknown = remove.filter((id) => !base.bundle.policies.some((policy) => policy.id === id));
    if (unknown.length > 0)
      throw new ValidationError(`not in the bundle: ${unknown.join(', ')}`, 'POLICY_NOT_IN_BUNDLE');
    const dropped = new Set([...remove, ...added.map((policy) => policy.id)]);
    return [...policiesOf(base).filter((policy) => !dropped.has(policy.id)), ...added];
  }

  /**
   * Recorded requests replayed through the bundle in force and through the candidate: which the change would decide
   * differently, counted by action and by the principles of the policies responsible. Both sides decide the same
   * requests now, so a decision recorded under an older bundle is not mistaken for the candidate's doing.
   */
  private async empirical(
    schema: string,
    inForce: readonly PolicyText[],
    candidate: readonly PolicyText[],
    request: Record<string, unknown>,
  ) {
    const decisions = await this.decisions.recent(
      this.db,
      (request['since'] as string | undefined) ?? null,
      (request['limit'] as number | undefined) ?? 10_000,
    );
    const principlesOf = new Map(
      [...inForce, ...candidate].map((policy) => [
        policy.id,
        annotationValues(policyMetadata(policy.text).annotations['principle']),
      ]),
    );
    const byAction: Record<string, number> = {};
    const byPrinciple: Record<string, number> = {};
    const examples: { decision_id: string; was: string; now: string; determining: string[] }[] = [];
    let flipped = 0;
    const replayable = decisions.filter((recorded) => !recorded.reasons.some(isFailClosed));
    const skipped = decisions.length - replayable.length;
    const requests = replayable.map(({ principal, action, resource, context }) => ({
      principal,
      action,
      resource,
      context,
    }));
    const before = await replayAll(schema, inForce, requests);
    const now = await replayAll(schema, candidate, requests);
    replayable.forEach((recorded, index) => {
      const was = before[index]!;
      const decided = now[index]!;
      if (decided.decision === was.decision) return;
      flipped += 1;
      byAction[recorded.action] = (byAction[recorded.action] ?? 0) + 1;
      // A flip is owed to the policies deciding it with the candidate (to deny) or with the bundle in force (to allow).
      const responsible = (decided.decision === 'deny' ? decided.determining : was.determining).flatMap(
        (id) => principlesOf.get(id) ?? [],
      );
      for (const principle of new Set(responsible)) byPrinciple[principle] = (byPrinciple[principle] ?? 0) + 1;
      if (examples.length < 20)
        examples.push({
          decision_id: recorded.id,
          was: was.decision,
          now: decided.decision,
          determining: decided.decision === 'deny' ? decided.determining : was.determining,
        });
    });
    return {
      replayed: decisions.length - skipped,
      skipped_fail_closed: skipped,
      flipped,
      by_action: byAction,
      by_principle: byPrinciple,
      examples,
    };
  }
}
