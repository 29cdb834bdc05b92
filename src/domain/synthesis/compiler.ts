import type * as CedarWasm from '@cedar-policy/cedar-wasm/nodejs';
import { constraintTypeProblems, entityTypes } from '../constitution/constraint-types.js';
import { constraintProblems } from '../constitution/constraints.js';
import type { Condition, Constraint, DocumentProblem, PrincipleContent } from '../constitution/types.js';
import { printPolicy } from '../policy/cedar.js';
import type { SchemaShape } from '../policy/schema-shape.js';

type Expr = CedarWasm.Expr;
type PolicyJson = CedarWasm.PolicyJson;

/** A Cedar policy compiled from one constraint of one principle. */
export interface CompiledPolicy {
  id: string;
  principle: string;
  /** The constraint's position in the principle's constraints array. */
  constraint: number;
  text: string;
}

/** A principle problem that keeps its constraints from compiling, located by JSON Pointer within the principle. */
export interface CompileProblem extends DocumentProblem {
  principle: string;
}

/** The constraints given do not type-check against the schema, so they have no Cedar meaning to compile to. */
export class UncompilableConstraints extends Error {
  constructor(readonly problems: readonly CompileProblem[]) {
    super(problems.map((problem) => `${problem.principle}${problem.path}: ${problem.message}`).join('; '));
    this.name = 'UncompilableConstraints';
  }
}

/** The annotation naming who wrote a policy: the compiler, or an LLM (verified or not). */
export type GeneratedBy = 'compiler' | 'llm' | 'llm-unverified';

const value = (item: CedarWasm.CedarValueJson): Expr => ({ Value: item });
const and = (parts: readonly Expr[]): Expr => parts.reduce((left, right) => ({ '&&': { left, right } }) as Expr);
const or = (parts: readonly Expr[]): Expr => parts.reduce((left, right) => ({ '||': { left, right } }) as Expr);
const not = (arg: Expr): Expr => ({ '!': { arg } });
const attribute = (left: Expr, attr: string): Expr => ({ '.': { left, attr } });

/** The test a condition makes on an attribute's value, once the value is known to be there. */
function test(read: Expr, condition: Condition): Expr {
  const operand = condition.value;
  switch (condition.op) {
    case 'eq':
      return { '==': { left: read, right: value(operand as string | number | boolean) } };
    case 'neq':
      return { '!=': { left: read, right: value(operand as string | number | boolean) } };
    case 'in':
      return or((operand as string[]).map((item) => ({ '==': { left: read, right: value(item) } }) as Expr));
    case 'contains':
      return { contains: { left: read, right: value(operand as string) } };
    case 'containsAny':
    case 'containsAll': {
      const right: Expr = { Set: (operand as string[]).map(value) };
      return condition.op === 'containsAny'
        ? { containsAny: { left: read, right } }
        : { containsAll: { left: read, right } };
    }
    case 'gt':
      return { '>': { left: read, right: value(operand as number) } };
    case 'gte':
      return { '>=': { left: read, right: value(operand as number) } };
    case 'lt':
      return { '<': { left: read, right: value(operand as number) } };
    case 'lte':
      return { '<=': { left: read, right: value(operand as number) } };
    case 'is_true':
      return read;
    case 'is_false':
      return not(read);
  }
}

/**
 * A condition as a Cedar expression that holds, without error, exactly when the condition does. Context attributes
 * are read directly when the schema requires them; an entity attribute is read only on the types that declare it
 * and only when present, so a request whose principal or resource lacks it does not satisfy the condition — the
 * meaning the verifier gives the constraint form.
 */
function conditionExpr(condition: Condition, constraint: Constraint, schema: SchemaShape): Expr {
  const [root, name] = condition.attr.split('.') as ['context' | 'principal' | 'resource', string];
  const variable: Expr = { Var: root };
  const read = attribute(variable, name);
  if (root === 'context')
    return schema.context[name]?.required === false
      ? and([{ has: { left: variable, attr: name } }, test(read, condition)])
      : test(read, condition);
  const types = entityTypes(constraint, schema, root).filter((type) => schema.attributes[type]?.[name] !== undefined);
  return or(
    types.map((type) =>
      and([
        { is: { left: variable, entity_type: type } },
        { has: { left: variable, attr: name } },
        test(read, condition),
      ]),
    ),
  );
}

function policyJson(constraint: Constraint, annotations: Record<string, string>, schema: SchemaShape): PolicyJson {
  const actions = constraint.actions.map((id) => ({ type: 'Action', id }));
  const resourceTypes = constraint.resource_types === undefined ? [] : [...new Set(constraint.resource_types)];
  const when: Expr[] = [];
  if (resourceTypes.length > 1)
    when.push(or(resourceTypes.map((type) => ({ is: { left: { Var: 'resource' }, entity_type: type } }) as Expr)));
  when.push(...(constraint.when ?? []).map((condition) => conditionExpr(condition, constraint, schema)));
  const unless = (constraint.unless ?? []).map((condition) => conditionExpr(condition, constraint, schema));
  const conditions: CedarWasm.Clause[] = [];
  if (when.length > 0) conditions.push({ kind: 'when', body: and(when) });
  if (unless.length > 0) conditions.push({ kind: 'unless', body: or(unless) });
  return {
    effect: constraint.effect,
    principal: { op: 'All' },
    action: actions.length === 1 ? { op: '==', entity: actions[0]! } : { op: 'in', entities: actions },
    resource: resourceTypes.length === 1 ? { op: 'is', entity_type: resourceTypes[0]! } : { op: 'All' },
    conditions,
    annotations,
  };
}

/** The problems that keep a principle's constraints from compiling: their shape, then their types. */
export function compileProblems(principle: PrincipleContent, schema: SchemaShape): CompileProblem[] {
  const shape = constraintProblems(principle.constraints);
  const problems = shape.length > 0 ? shape : constraintTypeProblems(principle, schema);
  return problems.map((problem) => ({ principle: principle.key, ...problem }));
}

/**
 * Compiles principles' constraints to Cedar, one policy per constraint, `@id("<principle-key>.<n>")` with n counting
 * from 1 in constraint order. Pure and deterministic: the same principles and schema give byte-identical text.
 * Refuses, naming each, constraints that do not type-check against the schema.
 */
export function compilePrinciples(
  principles: readonly PrincipleContent[],
  schema: SchemaShape,
  generatedBy: GeneratedBy = 'compiler',
): CompiledPolicy[] {
  const problems = principles.flatMap((principle) => compileProblems(principle, schema));
  if (problems.length > 0) throw new UncompilableConstraints(problems);
  return principles.flatMap((principle) =>
    principle.constraints.map((constraint, index) => {
      const id = `${principle.key}.${index + 1}`;
      const annotations: Record<string, string> = { id, principle: principle.key, generated_by: generatedBy };
      if ((constraint.obligations ?? []).length > 0)
        annotations['obligation'] = [...new Set(constraint.obligations)].join(', ');
      return {
        id,
        principle: principle.key,
        constraint: index,
        text: printPolicy(policyJson(constraint, annotations, schema)),
      };
    }),
  );
}

/** Compiled policies as a bundle's policy map (id → text). */
export const policyMap = (policies: readonly CompiledPolicy[]): Record<string, string> =>
  Object.fromEntries(policies.map((policy) => [policy.id, policy.text]));
