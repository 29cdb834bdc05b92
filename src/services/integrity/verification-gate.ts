import { ConflictError } from '../../domain/errors.js';
import { principleKeys } from '../../domain/policy/cedar.js';
import { GOVERNANCE_SCHEMA } from '../../domain/policy/governance-schema.js';
import { describeFinding, type ConformanceReport } from '../../domain/verify/conformance.js';
import { EncodingMismatch } from '../../domain/verify/questions.js';
import { policyProblems } from '../../domain/verify/policy-checks.js';
import type { Config } from '../../platform/config.js';
import type { Queryable } from '../../platform/db/database.js';
import { SolverUnavailable, type SolverPool } from '../../platform/solver/pool.js';
import { LazySolverPool } from '../../platform/solver/shared.js';
import { countedAsk, judgeBundle, type Ask, type BundleJudgement } from '../../platform/solver/judge.js';
import type { ConstitutionReader } from './ports.js';

const asList = (policies: Readonly<Record<string, string>>) =>
  Object.entries(policies).map(([id, text]) => ({ id, text }));

/** What a change set's verification found: the bundle's judgement, against this constitution version. */
export interface ChangeSetVerification extends Omit<BundleJudgement, 'conformance'> {
  constitution: { version: number; hash: string };
  /** Null when the solver could not answer at all (the verdict is then `inconclusive`). */
  conformance: ConformanceReport | null;
}

/** The first finding that keeps the gate shut, in words with its counterexample. */
function refusal(report: ConformanceReport): string {
  const first = report.constraints.find((c) => c.verdict !== 'holds');
  if (first === undefined) return `translation validation: ${report.translation?.verdict ?? report.verdict}`;
  return describeFinding(first);
}

/**
 * No unverified policy passes: the lifecycle's verify step proves the principles a policy claims still hold with it
 * added to the policies in force, and activation proves the whole bundle about to be enforced against every
 * principle of the constitution in force. Anything but `holds` — a violation, `unsupported`, `inconclusive` —
 * refuses with 409 VERIFICATION_FAILED naming the principle and a counterexample Cedar has replayed.
 */
export class VerificationGate {
  private readonly solver: LazySolverPool;
  private readonly counted: Ask;

  /**
   * `onCall` hears each question's outcome, for acgs_service_calls_total{target="fv"} of the service holding the gate;
   * `onMismatch` hears a solver claim Cedar contradicted (the encoding is wrong for some construct: a bug to report).
   */
  constructor(
    private readonly constitutions: ConstitutionReader,
    settings: Config['verification'],
    onCall: (ok: boolean) => void = () => {},
    private readonly onMismatch: (mismatch: EncodingMismatch) => void = () => {},
  ) {
    this.solver = new LazySolverPool(settings);
    this.counted = countedAsk(this.solver, onCall);
  }

  /**
   * The verify step's report for `source` joining `inForce` (id → text, the policies active now): the principles it
   * claims still hold, and the policy itself never errors, is not vacuous, is not shadowed and shadows no permit.
   */
  async verifyPolicy(
    q: Queryable,
    policyId: string,
    source: string,
    inForce: Readonly<Record<string, string>>,
  ): Promise<Record<string, unknown>> {
    const candidate = { ...inForce, [policyId]: source };
    const claimed = principleKeys(source);
    const report = await this.check(q, candidate, { only: claimed, translation: false });
    const checks = await this.ask((pool) =>
      pool.run('checkAddedPolicy', GOVERNANCE_SCHEMA, asList(inForce), asList(candidate), policyId, {}),
    );
    const problems = policyProblems(checks);
    if (checks.verdict !== 'holds')
      throw new ConflictError(
        `Verification failed: ${problems[0] ?? `policy checks: ${checks.verdict}`}`,
        'VERIFICATION_FAILED',
      );
    return {
      checks: ['conformance:claimed-principles', 'policy:never-errors,applies,reachable,no-new-shadowing'],
      principles: claimed,
      conformance: report,
      policy_checks: checks,
    };
  }

  /**
   * A change set judged as a whole: the bundle it makes must conform to every principle of the constitution in force,
   * and each policy it puts into force must never error, not be vacuous or shadowed, and shadow no permit. Never
   * throws for a finding: the report says `holds` only when nothing is violated or undecided, and lists each problem.
   */
  async verifyChangeSet(
    q: Queryable,
    candidate: Readonly<Record<string, string>>,
    newcomers: readonly string[],
  ): Promise<ChangeSetVerification> {
    const constitution = await this.constitutions.inForce(q);
    if (constitution === null)
      throw new ConflictError('No constitution is in force to verify against', 'VERIFICATION_FAILED');
    const base = { version: constitution.version, hash: constitution.hash };
    try {
      const judged = await judgeBundle(
        (question) => this.ask(question),
        GOVERNANCE_SCHEMA,
        asList(candidate),
        constitution.principles,
        newcomers,
      );
      return { ...judged, constitution: base };
    } catch (error) {
      // Fail closed with the reason: a question the solver could not answer is inconclusive, never a pass.
      if (!(error instanceof ConflictError) || error.errorCode !== 'VERIFICATION_FAILED') throw error;
      const detail = error.message.replace(/^Verification failed: /, '');
      return {
        verdict: 'inconclusive',
        constitution: base,
        conformance: null,
        policy_checks: {},
        problems: [detail],
        warnings: [],
      };
    }
  }

  /** A question for the solver pool, joined on the first one this process asks and kept until the service closes. */
  private async ask<T>(question: (pool: SolverPool) => Promise<T>): Promise<T> {
    try {
      return await this.counted(question);
    } catch (error) {
      // Fail closed: a question the solver could not answer keeps the gate shut.
      if (error instanceof SolverUnavailable)
        throw new ConflictError(`Verification failed: inconclusive — ${error.message}`, 'VERIFICATION_FAILED', {
          cause: error,
        });
      // A claim Cedar contradicts decides nothing either way: inconclusive, and reported for its request to be fixed.
      if (error instanceof EncodingMismatch) {
        this.onMismatch(error);
        throw new ConflictError(`Verification failed: inconclusive — ${error.message}`, 'VERIFICATION_FAILED', {
          cause: error,
        });
      }
      throw error;
    }
  }

  close(): Promise<void> {
    return this.solver.close();
  }

  private async check(
    q: Queryable,
    policies: Readonly<Record<string, string>>,
    options: { only?: string[]; translation: boolean },
  ): Promise<ConformanceReport> {
    const constitution = await this.constitutions.inForce(q);
    if (constitution === null)
      throw new ConflictError('No constitution is in force to verify against', 'VERIFICATION_FAILED');
    const report = await this.ask((pool) =>
      pool.run('checkConformance', GOVERNANCE_SCHEMA, asList(policies), constitution.principles, {
        only: options.only,
        translation: options.translation,
      }),
    );
    const blocking = report.constraints.some((finding) => finding.verdict !== 'holds');
    if (blocking) throw new ConflictError(`Verification failed: ${refusal(report)}`, 'VERIFICATION_FAILED');
    return report;
  }
}
