import type { Constraint } from '../../domain/constitution/types.js';
import type { EngineRequest } from '../../domain/enforcement/engine.js';
import { constraintCondition } from '../../domain/verify/conformance.js';
import { SolverUnavailable } from '../../platform/solver/pool.js';
import type { LazySolverPool } from '../../platform/solver/shared.js';

/** For one drafted constraint: a request it covers and one of its actions it does not, as the council sees them. */
export interface ConstraintExamples {
  constraint: number;
  /** What the constraint does to the requests it covers: a forbid denies them, a permit allows them. */
  covered_decision: 'deny' | 'allow';
  covered: EngineRequest | null;
  not_covered: EngineRequest | null;
  detail: string | null;
}

// Against a policy set that allows everything, "never allowed" is violated exactly by a request matching the condition.
const ALLOW_ALL = [{ id: 'allow-all', text: 'permit (principal, action, resource);' }];

/**
 * Concrete requests for each drafted constraint, found by the solver and replayed by Cedar: one the constraint
 * covers and one, for the same actions, it does not. A constraint no request can satisfy shows `covered: null`,
 * which is worth a council member's attention.
 */
export async function draftExamples(
  solver: LazySolverPool,
  schema: string,
  constraints: readonly Constraint[],
): Promise<ConstraintExamples[]> {
  const questions = constraints.flatMap((constraint) => {
    const covers = constraintCondition(constraint);
    const actions = `action in [${constraint.actions.map((action) => `Action::${JSON.stringify(action)}`).join(', ')}]`;
    return [
      { condition: covers, decision: 'allow' as const },
      { condition: `${actions} && !(${covers})`, decision: 'allow' as const },
    ];
  });
  try {
    const answers = await solver.use((pool) => pool.run('neverDecidesEach', schema, ALLOW_ALL, questions, {}));
    return constraints.map((constraint, index) => {
      const [covered, uncovered] = [answers[2 * index]!, answers[2 * index + 1]!];
      const undecided = [covered, uncovered].find((a) => a.verdict === 'unsupported' || a.verdict === 'inconclusive');
      return {
        constraint: index,
        covered_decision: constraint.effect === 'forbid' ? 'deny' : 'allow',
        covered: covered.counterexamples[0]?.request ?? null,
        not_covered: uncovered.counterexamples[0]?.request ?? null,
        detail: undecided === undefined ? null : `${undecided.verdict}: ${undecided.detail ?? ''}`,
      };
    });
  } catch (error) {
    if (!(error instanceof SolverUnavailable)) throw error;
    return constraints.map((constraint, index) => ({
      constraint: index,
      covered_decision: constraint.effect === 'forbid' ? 'deny' : 'allow',
      covered: null,
      not_covered: null,
      detail: `inconclusive: ${error.message}`,
    }));
  }
}
