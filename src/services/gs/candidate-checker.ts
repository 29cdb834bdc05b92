import type { Constraint, PrincipleContent } from '../../domain/constitution/types.js';
import { policyMetadata, annotationValues, validatePolicies } from '../../domain/policy/cedar.js';
import type { CandidateChecker, CandidateCheck } from '../../domain/synthesis/model-synthesis.js';
import type { Diagnostic } from '../../domain/synthesis/diagnostics.js';
import { constitutionPolicies } from '../../domain/verify/conformance.js';
import { policyProblems } from '../../domain/verify/policy-checks.js';
import type { PolicyText } from '../../domain/verify/questions.js';
import type { Check } from '../../domain/verify/policy-checks.js';
import { SolverUnavailable } from '../../platform/solver/pool.js';
import { countedAsk, judgeBundle } from '../../platform/solver/judge.js';
import type { LazySolverPool } from '../../platform/solver/shared.js';

export interface CheckContext {
  schema: string;
  /** The policies in force that stay: everything active except what the candidates replace. */
  rest: readonly PolicyText[];
  /** The constitution the bundle must still conform to, with the principle being synthesised in it. */
  principles: readonly PrincipleContent[];
}

const undecided = (check: Check) => check.verdict === 'inconclusive' || check.verdict === 'unsupported';

const obligationsOf = (constraints: readonly Constraint[]) =>
  [...new Set(constraints.flatMap((constraint) => constraint.obligations ?? []))].sort();

/**
 * Decides whether candidate policies implement a principle, in the order a repair needs the answers: the Cedar
 * validates strictly; for each effect, the candidates of that effect apply to exactly the requests the principle's
 * constraints of that effect cover (a counterexample otherwise, with which side covers it) and carry the same
 * obligations; the bundle with them conforms to the whole constitution; and each candidate never errors, is not
 * vacuous and is not shadowed. A solver that cannot answer makes the check `inconclusive`, never a pass.
 */
export function candidateChecker(
  solver: LazySolverPool,
  context: CheckContext,
  onCall: (ok: boolean) => void,
): CandidateChecker {
  const ask = countedAsk(solver, onCall);
  return async (principle, candidates): Promise<CandidateCheck> => {
    const bundle = [...context.rest, ...candidates];
    const problems = validatePolicies(Object.fromEntries(bundle.map((p) => [p.id, p.text])), context.schema);
    if (problems.length > 0)
      return {
        verdict: 'rejected',
        diagnostics: problems.map((problem) => ({ kind: 'cedar', policy: problem.policy_id ?? 'reply', ...problem })),
        report: { validation: problems },
      };
    try {
      return await prove(principle, candidates, bundle);
    } catch (error) {
      if (!(error instanceof SolverUnavailable)) throw error;
      return { verdict: 'inconclusive', diagnostics: [{ kind: 'check', message: error.message }], report: {} };
    }
  };

  async function prove(
    principle: PrincipleContent,
    candidates: readonly PolicyText[],
    bundle: readonly PolicyText[],
  ): Promise<CandidateCheck> {
    const diagnostics: Diagnostic[] = [];
    const report: Record<string, unknown> = {};
    let inconclusive = false;
    const metadata = new Map(candidates.map((policy) => [policy.id, policyMetadata(policy.text)]));
    const specification = constitutionPolicies([principle]);
    // A principle without constraints has no meaning to prove the policies against: they are only checked to fit the
    // constitution and to be sound policies, and are marked llm-unverified for two approvers to judge.
    for (const effect of principle.constraints.length === 0 ? [] : (['forbid', 'permit'] as const)) {
      const constraints = principle.constraints.filter((constraint) => constraint.effect === effect);
      const mine = candidates.filter((policy) => metadata.get(policy.id)!.effect === effect);
      const wanted = specification.filter((_, index) => principle.constraints[index]!.effect === effect);
      if (constraints.length === 0 && mine.length === 0) continue;
      if (mine.length === 0 || constraints.length === 0) {
        diagnostics.push({
          kind: 'check',
          message:
            mine.length === 0
              ? `the principle has ${constraints.length} ${effect} constraint(s) and the reply no ${effect} policy`
              : `the principle has no ${effect} constraint; the reply's ${effect} policies (${mine.map((p) => p.id).join(', ')}) must go`,
        });
        continue;
      }
      const relation = await ask((pool) => pool.run('relatePolicies', context.schema, mine, wanted, 'matches', {}));
      report[`${effect}_equivalence`] = relation;
      if (undecided(relation.implies) || undecided(relation.impliedBy)) {
        const detail = relation.implies.detail ?? relation.impliedBy.detail ?? 'the solver could not decide';
        if (relation.implies.verdict === 'unsupported' || relation.impliedBy.verdict === 'unsupported')
          diagnostics.push({
            kind: 'check',
            message: `uses what the verifier cannot model (${detail}); use only the operators listed`,
          });
        else inconclusive = true;
        continue;
      }
      if (relation.implies.verdict === 'violated' && relation.implies.example !== null)
        diagnostics.push({
          kind: 'meaning',
          effect,
          expected: 'does_not_apply',
          request: relation.implies.example.request,
          message: `expected: the principle's ${effect} constraints do not cover this request, so it is not ${effect === 'forbid' ? 'denied' : 'allowed'} by them; actual: the reply's ${effect} policies apply to it (too broad)`,
        });
      if (relation.impliedBy.verdict === 'violated' && relation.impliedBy.example !== null)
        diagnostics.push({
          kind: 'meaning',
          effect,
          expected: 'applies',
          request: relation.impliedBy.example.request,
          message: `expected: ${effect === 'forbid' ? 'denied' : 'allowed'}, as the principle's ${effect} constraints cover this request; actual: none of the reply's ${effect} policies applies to it (too narrow)`,
        });
      const declared = [
        ...new Set(mine.flatMap((policy) => annotationValues(metadata.get(policy.id)!.annotations['obligation']))),
      ].sort();
      const expected = obligationsOf(constraints);
      if (JSON.stringify(declared) !== JSON.stringify(expected))
        diagnostics.push({
          kind: 'check',
          message: `the ${effect} policies must carry @obligation("${expected.join(', ')}") (they carry "${declared.join(', ')}")`,
        });
    }
    if (diagnostics.length > 0 || inconclusive)
      return { verdict: inconclusive && diagnostics.length === 0 ? 'inconclusive' : 'rejected', diagnostics, report };

    const judged = await judgeBundle(
      ask,
      context.schema,
      bundle,
      context.principles,
      candidates.map((candidate) => candidate.id),
    );
    report['conformance'] = judged.conformance;
    report['policy_checks'] = judged.policy_checks;
    for (const finding of judged.conformance.constraints.filter((f) => f.verdict !== 'holds'))
      if (finding.verdict === 'violated')
        diagnostics.push({
          kind: 'check',
          message: `with these policies the bundle violates principle ${finding.principle} (constraint ${finding.constraint}): ${JSON.stringify(finding.counterexamples[0]?.request ?? null)}`,
        });
      else inconclusive = true;
    for (const found of Object.values(judged.policy_checks)) {
      if (found.verdict === 'inconclusive' || found.verdict === 'unsupported') inconclusive = true;
      diagnostics.push(...policyProblems(found).map((message): Diagnostic => ({ kind: 'check', message })));
    }
    if (diagnostics.length > 0) return { verdict: 'rejected', diagnostics, report };
    return { verdict: inconclusive ? 'inconclusive' : 'verified', diagnostics, report };
  }
}
