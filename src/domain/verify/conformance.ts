import { constraintTypeProblems } from '../constitution/constraint-types.js';
import type { Condition, Constraint, PrincipleContent } from '../constitution/types.js';
import { schemaShape } from '../policy/schema-shape.js';
import {
  compareBundles,
  neverDecidesEach,
  type Answer,
  type ImpactAnswer,
  type PolicyText,
  type QuestionOptions,
  type Verdict,
  worstOf,
} from './questions.js';

const literal = (value: string | number | boolean) => JSON.stringify(value);

/** A condition of the constitution's constraint form as a Cedar condition that holds, without error, when it holds. */
function conditionText(condition: Condition): string {
  const [root, name] = condition.attr.split('.') as [string, string];
  const value = condition.value;
  const attr = condition.attr;
  let test: string;
  switch (condition.op) {
    case 'eq':
      test = `${attr} == ${literal(value as string | number | boolean)}`;
      break;
    case 'neq':
      test = `${attr} != ${literal(value as string | number | boolean)}`;
      break;
    case 'in':
      test = `(${(value as string[]).map((item) => `${attr} == ${literal(item)}`).join(' || ')})`;
      break;
    case 'contains':
      test = `${attr}.contains(${literal(value as string | number | boolean)})`;
      break;
    case 'containsAny':
    case 'containsAll':
      test = `${attr}.${condition.op}([${(value as string[]).map(literal).join(', ')}])`;
      break;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      test = `${attr} ${{ gt: '>', gte: '>=', lt: '<', lte: '<=' }[condition.op]} ${value as number}`;
      break;
    case 'is_true':
      test = `${attr} == true`;
      break;
    case 'is_false':
      test = `${attr} == false`;
      break;
  }
  // Entity attributes are optional: a request without one does not satisfy the condition (rather than erroring).
  return root === 'context' ? test : `(${root} has ${name} && ${test})`;
}

/** The requests a constraint applies to — its actions, resource types, every `when` and no `unless` — as Cedar. */
export function constraintCondition(constraint: Constraint): string {
  const parts = [`action in [${constraint.actions.map((action) => `Action::${literal(action)}`).join(', ')}]`];
  if (constraint.resource_types !== undefined)
    parts.push(`(${constraint.resource_types.map((type) => `resource is ${type}`).join(' || ')})`);
  for (const condition of constraint.when ?? []) parts.push(conditionText(condition));
  for (const condition of constraint.unless ?? []) parts.push(`!(${conditionText(condition)})`);
  return parts.join(' && ');
}

/** The constitution as Cedar: each constraint one policy, for translation validation against a bundle. */
export function constitutionPolicies(principles: readonly PrincipleContent[]): PolicyText[] {
  return principles.flatMap((principle) =>
    principle.constraints.map((constraint, index) => ({
      id: `${principle.key}#${index}`,
      text: `${constraint.effect} (principal, action, resource) when { ${constraintCondition(constraint)} };`,
    })),
  );
}

export interface ConstraintFinding extends Answer {
  principle: string;
  constraint: number;
  effect: 'forbid' | 'permit';
  /** The property that was checked, in Cedar condition syntax. */
  property: string;
}

export interface ConformanceReport {
  verdict: 'holds' | 'violated' | 'unsupported' | 'inconclusive';
  constraints: ConstraintFinding[];
  /** The constitution's constraints, encoded directly, against the bundle: equivalent, or where they differ. */
  translation: ImpactAnswer | null;
}

export interface ConformanceOptions extends QuestionOptions {
  /** Check only these principles' constraints (every forbid constraint still counts for permit constraints). */
  only?: readonly string[];
  /** Also compare the compiled constitution with the bundle (default true). */
  translation?: boolean;
}

/**
 * Principle conformance: every forbid constraint becomes "no request it applies to is allowed"; every permit
 * constraint "every request it applies to that no forbid constraint covers is allowed". Then translation
 * validation. The report's verdict is its worst finding: a violation, else anything undecided, else holds.
 */
export async function checkConformance(
  schema: string,
  policies: readonly PolicyText[],
  principles: readonly PrincipleContent[],
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  // A constraint that does not type-check against the schema has no meaning to prove: it is `unsupported`, and so is
  // every permit constraint (whose property takes in every forbid) and the translation, when a forbid is one.
  const shape = schemaShape(schema);
  const illTyped = new Map<string, string>();
  for (const principle of principles)
    for (const problem of constraintTypeProblems(principle, shape)) {
      const index = /^\/constraints\/(\d+)/.exec(problem.path)![1]!;
      const key = `${principle.key}#${index}`;
      illTyped.set(key, `${illTyped.has(key) ? `${illTyped.get(key)}; ` : ''}${problem.path}: ${problem.message}`);
    }
  const illTypedForbid = principles.some((p) =>
    p.constraints.some((c, index) => c.effect === 'forbid' && illTyped.has(`${p.key}#${index}`)),
  );
  const forbids = principles.flatMap((p) => p.constraints.filter((c) => c.effect === 'forbid'));
  const all = principles
    .filter((p) => options.only === undefined || options.only.includes(p.key))
    .flatMap((principle) =>
      principle.constraints.map((constraint, index) => {
        const applies = constraintCondition(constraint);
        const property =
          constraint.effect === 'forbid' || forbids.length === 0
            ? applies
            : `${applies} && !(${forbids.map((forbid) => `(${constraintCondition(forbid)})`).join(' || ')})`;
        const problem =
          illTyped.get(`${principle.key}#${index}`) ??
          (constraint.effect === 'permit' && illTypedForbid
            ? 'a forbid constraint it is checked against does not type-check'
            : null);
        return { principle: principle.key, constraint: index, effect: constraint.effect, property, problem };
      }),
    );
  const checked = all.filter((c) => c.problem === null);
  const answers = await neverDecidesEach(
    schema,
    policies,
    checked.map((c) => ({ condition: c.property, decision: c.effect === 'forbid' ? 'allow' : 'deny' })),
    options,
  );
  // Answers come in the order of the checked constraints, which keep their order within all of them.
  let answered = 0;
  const constraints: ConstraintFinding[] = all.map(({ problem, ...c }) =>
    problem === null
      ? { ...c, ...answers[answered++]! }
      : { ...c, verdict: 'unsupported', counterexamples: [], detail: `the constraint does not type-check: ${problem}` },
  );
  const translation =
    options.translation === false
      ? null
      : illTyped.size > 0
        ? {
            verdict: 'unsupported' as const,
            nowAllowed: null,
            nowDenied: null,
            detail: 'some constraints do not type-check',
          }
        : await compareBundles(schema, constitutionPolicies(principles), policies, options);
  const verdicts: Verdict[] = [
    ...constraints.map((finding) => finding.verdict),
    translation === null || translation.verdict === 'equivalent'
      ? 'holds'
      : translation.verdict === 'different'
        ? 'violated'
        : translation.verdict,
  ];
  return { verdict: worstOf(verdicts), constraints, translation };
}

/** A constraint finding in words: the principle, the constraint, the verdict and a counterexample Cedar replayed. */
export function describeFinding(finding: ConstraintFinding): string {
  const example = finding.counterexamples[0];
  return `principle ${finding.principle} (constraint ${finding.constraint}, ${finding.effect}): ${finding.verdict}${
    finding.detail === null ? '' : ` — ${finding.detail}`
  }${example === undefined ? '' : `; counterexample ${JSON.stringify(example.request)} is ${example.replayed.decision === 'allow' ? 'allowed' : 'denied'}`}`;
}

/** The first finding of a report that is not `holds`, in words; null when every constraint holds. */
export function firstProblem(report: Pick<ConformanceReport, 'constraints'>): string | null {
  const finding = report.constraints.find((c) => c.verdict !== 'holds');
  return finding === undefined ? null : describeFinding(finding);
}
