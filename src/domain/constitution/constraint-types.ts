import { CONTEXT_RANGES, CONTEXT_VALUES } from '../policy/governance-schema.js';
import type { AttributeShape, AttributeType, SchemaShape } from '../policy/schema-shape.js';
import type { Condition, ConditionOperator, Constraint, DocumentProblem, PrincipleContent } from './types.js';

/** The attribute type each operator tests. `eq`/`neq` take any scalar type, with a value of that type. */
const OPERAND_TYPE: Record<Exclude<ConditionOperator, 'eq' | 'neq'>, AttributeType> = {
  in: 'String',
  contains: 'Set<String>',
  containsAny: 'Set<String>',
  containsAll: 'Set<String>',
  gt: 'Long',
  gte: 'Long',
  lt: 'Long',
  lte: 'Long',
  is_true: 'Bool',
  is_false: 'Bool',
};

/** The type of a scalar value as a Cedar attribute would hold it. */
function scalarType(value: unknown): AttributeType | null {
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Bool';
  if (typeof value === 'number' && Number.isInteger(value)) return 'Long';
  return null;
}

/** The entity types a constraint's `principal`/`resource` can be, from its actions (and resource_types), sorted. */
export function entityTypes(constraint: Constraint, schema: SchemaShape, side: 'principal' | 'resource'): string[] {
  const actions = schema.actions.filter((action) => constraint.actions.includes(action.id));
  const types = new Set(
    actions.flatMap((action) => (side === 'principal' ? action.principalTypes : action.resourceTypes)),
  );
  const chosen =
    side === 'resource' && constraint.resource_types !== undefined ? constraint.resource_types : [...types];
  return [...new Set(chosen)].filter((type) => types.has(type)).sort();
}

/** An attribute as the constraint's requests can carry it, or why it cannot be tested. */
function attributeOf(
  attr: string,
  constraint: Constraint,
  schema: SchemaShape,
): { shape: AttributeShape } | { problem: string } {
  const [side, name] = attr.split('.') as ['context' | 'principal' | 'resource', string];
  if (side === 'context') {
    const shape = schema.context[name];
    return shape === undefined
      ? { problem: `the request context has no attribute "${name}" (it has ${Object.keys(schema.context).join(', ')})` }
      : { shape };
  }
  const types = entityTypes(constraint, schema, side);
  const having = types.flatMap((type) => {
    const shape = schema.attributes[type]?.[name];
    return shape === undefined ? [] : [{ type, shape }];
  });
  if (having.length === 0)
    return {
      problem: `no ${side} type these actions apply to (${types.join(', ') || 'none'}) has an attribute "${name}"`,
    };
  const kinds = new Set(having.map((entry) => entry.shape.type));
  if (kinds.size > 1)
    return {
      problem: `"${name}" has different types on ${having.map((entry) => `${entry.type} (${entry.shape.type})`).join(', ')}`,
    };
  return { shape: having[0]!.shape };
}

function conditionProblems(condition: Condition, constraint: Constraint, schema: SchemaShape, path: string) {
  const found = attributeOf(condition.attr, constraint, schema);
  if ('problem' in found) return [{ path: `${path}/attr`, message: found.problem }];
  const { type } = found.shape;
  const { op, value } = condition;
  const problems: DocumentProblem[] = [];
  if (op === 'eq' || op === 'neq') {
    if (type === 'Set<String>')
      problems.push({
        path: `${path}/op`,
        message: `${condition.attr} is a set: use contains, containsAny or containsAll`,
      });
    else if (scalarType(value) !== type)
      problems.push({ path: `${path}/value`, message: `${condition.attr} is a ${type}: ${op} needs a ${type} value` });
  } else if (OPERAND_TYPE[op] !== type)
    problems.push({
      path: `${path}/op`,
      message: `${op} tests a ${OPERAND_TYPE[op]} attribute; ${condition.attr} is a ${type}`,
    });
  const numbers = (Array.isArray(value) ? value : [value]).filter((item) => typeof item === 'number');
  for (const number of numbers)
    if (!Number.isSafeInteger(number))
      problems.push({ path: `${path}/value`, message: 'integers must be safe integers (within ±(2^53−1))' });
  return problems;
}

/**
 * Type-checks one (structurally valid) constraint against the schema policies are enforced under: every action
 * exists, every resource type is one the actions apply to (and within `scopeResourceTypes` when given), every
 * attribute exists for the constraint's actions and resource types, every operator fits its attribute's type and
 * every value the operator. Problems carry JSON Pointers under `path` (the constraint).
 */
export function constraintTypeProblemsAt(
  constraint: Constraint,
  schema: SchemaShape,
  path: string,
  scopeResourceTypes: readonly string[] = [],
): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const actionIds = new Set(schema.actions.map((action) => action.id));
  constraint.actions.forEach((action, position) => {
    if (!actionIds.has(action))
      problems.push({ path: `${path}/actions/${position}`, message: `"${action}" is not an action of the schema` });
  });
  const applicable = new Set(entityTypes({ ...constraint, resource_types: undefined }, schema, 'resource'));
  constraint.resource_types?.forEach((type, position) => {
    if (!applicable.has(type))
      problems.push({
        path: `${path}/resource_types/${position}`,
        message: `"${type}" is not a resource type of these actions (${[...applicable].join(', ')})`,
      });
    else if (scopeResourceTypes.length > 0 && !scopeResourceTypes.includes(type))
      problems.push({
        path: `${path}/resource_types/${position}`,
        message: `"${type}" is outside the principle's scope.resource_types`,
      });
  });
  for (const part of ['when', 'unless'] as const)
    (constraint[part] ?? []).forEach((condition, position) =>
      problems.push(...conditionProblems(condition, constraint, schema, `${path}/${part}/${position}`)),
    );
  return problems;
}

/** Type-checks every constraint of a principle, within its scope; pointers are relative to `base` (the principle). */
export function constraintTypeProblems(principle: PrincipleContent, schema: SchemaShape, base = ''): DocumentProblem[] {
  return principle.constraints.flatMap((constraint, index) =>
    constraintTypeProblemsAt(constraint, schema, `${base}/constraints/${index}`, principle.scope.resource_types),
  );
}

/**
 * Values a principle names that no request can carry: a score outside its declared range, a classification that is
 * not one of the declared values (CONTEXT_RANGES, CONTEXT_VALUES). Such a constraint could never apply, so it is
 * refused where a person wrote it rather than found vacuous at verification.
 */
export function constraintDomainProblems(principle: PrincipleContent, base = ''): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  principle.constraints.forEach((constraint, index) => {
    for (const part of ['when', 'unless'] as const)
      (constraint[part] ?? []).forEach((condition, position) => {
        const [side, name] = condition.attr.split('.') as [string, string];
        if (side !== 'context') return;
        const path = `${base}/constraints/${index}/${part}/${position}/value`;
        const given = Array.isArray(condition.value) ? condition.value : [condition.value];
        const range = CONTEXT_RANGES[name];
        const values = CONTEXT_VALUES[name];
        for (const value of given) {
          if (range !== undefined && typeof value === 'number' && (value < range.min || value > range.max))
            problems.push({
              path,
              message: `${condition.attr} takes values ${range.min}–${range.max}; ${value} is outside`,
            });
          if (values !== undefined && typeof value === 'string' && !values.includes(value))
            problems.push({
              path,
              message: `${condition.attr} is one of ${values.map((v) => JSON.stringify(v)).join(', ')}; ${JSON.stringify(value)} is not`,
            });
        }
      });
  });
  return problems;
}
