import type { PrincipleContent } from '../../domain/constitution/types.js';
import { describeFinding, type ConformanceReport } from '../../domain/verify/conformance.js';
import { policyProblems, policyWarnings, type AddedPolicyReport } from '../../domain/verify/policy-checks.js';
import { worstOf, type PolicyText, type Verdict } from '../../domain/verify/questions.js';
import type { SolverPool } from './pool.js';
import type { LazySolverPool } from './shared.js';

/** One question put to the solver pool: what gs's candidate checks and integrity's gate ask through. */
export type Ask = <T>(question: (pool: SolverPool) => Promise<T>) => Promise<T>;

/**
 * Questions asked through the process's lazily started pool, each outcome told to `onCall` (the service's
 * acgs_service_calls_total{target="fv"}); a question that fails is still told, then rethrown for the caller to judge.
 */
export function countedAsk(solver: LazySolverPool, onCall: (ok: boolean) => void): Ask {
  return async (question) => {
    try {
      const answer = await solver.use(question);
      onCall(true);
      return answer;
    } catch (error) {
      onCall(false);
      throw error;
    }
  };
}

/** A bundle judged as a whole: `holds` only when it conforms and every newcomer is sound. */
export interface BundleJudgement {
  verdict: Verdict;
  conformance: ConformanceReport;
  policy_checks: Record<string, AddedPolicyReport>;
  /** Every finding that keeps the bundle out of force, in words with its counterexample. */
  problems: string[];
  /** Findings that do not block it: a newcomer that is redundant. */
  warnings: string[];
}

/**
 * The verification front door for a change: the bundle it makes against every principle given (translation
 * validation is fv's, not repeated here), then each newcomer against the bundle without it — never errors, not
 * vacuous, not shadowed, shadows no permit. The gate (change sets) and gs (candidate policies) both ask this, so a
 * policy is judged by one rule wherever it enters.
 */
export async function judgeBundle(
  ask: Ask,
  schema: string,
  bundle: readonly PolicyText[],
  principles: readonly PrincipleContent[],
  newcomers: readonly string[],
): Promise<BundleJudgement> {
  const conformance = await ask((pool) =>
    pool.run('checkConformance', schema, bundle, principles, { translation: false }),
  );
  const problems = conformance.constraints.filter((finding) => finding.verdict !== 'holds').map(describeFinding);
  const policyChecks: Record<string, AddedPolicyReport> = {};
  const warnings: string[] = [];
  for (const id of newcomers) {
    const without = bundle.filter((policy) => policy.id !== id);
    const checks = await ask((pool) => pool.run('checkAddedPolicy', schema, without, bundle, id, {}));
    policyChecks[id] = checks;
    problems.push(...policyProblems(checks));
    warnings.push(...policyWarnings(checks));
  }
  const verdict = worstOf([conformance.verdict, ...Object.values(policyChecks).map((checks) => checks.verdict)]);
  return { verdict, conformance, policy_checks: policyChecks, problems, warnings };
}
