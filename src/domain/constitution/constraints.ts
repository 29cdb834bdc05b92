import type { Condition, ConditionOperator, Constraint, DocumentProblem } from './types.js';

const ATTRIBUTE = /^(context|principal|resource)\.[a-z][a-z0-9_]*$/;
const NAME = /^[a-z][a-z0-9_]*$/;
const TYPE_NAME = /^[A-Z][A-Za-z0-9]*$/;
const KNOWN_KEYS = new Set(['effect', 'actions', 'resource_types', 'when', 'unless', 'obligations']);
export const OBLIGATIONS = ['require_human_review', 'redact', 'log_only'] as const;

type ValueKind = 'scalar' | 'string_list' | 'number' | 'none';

const OPERATOR_VALUES: Record<ConditionOperator, ValueKind> = {
  eq: 'scalar',
  neq: 'scalar',
  in: 'string_list',
  contains: 'scalar',
  containsAny: 'string_list',
  containsAll: 'string_list',
  gt: 'number',
  gte: 'number',
  lt: 'number',
  lte: 'number',
  is_true: 'none',
  is_false: 'none',
};

/** Every condition operator, in the order docs/constitution.md lists them. */
export const CONDITION_OPERATORS = Object.keys(OPERATOR_VALUES) as ConditionOperator[];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function stringList(
  value: unknown,
  path: string,
  pattern: RegExp,
  what: string,
  problems: DocumentProblem[],
  allowEmpty = false,
): void {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0)) {
    problems.push({ path, message: `must be a${allowEmpty ? 'n' : ' non-empty'} array of ${what}` });
    return;
  }
  value.forEach((item, index) => {
    if (typeof item !== 'string' || !pattern.test(item))
      problems.push({ path: `${path}/${index}`, message: `must be ${what}` });
  });
}

function checkCondition(value: unknown, path: string, problems: DocumentProblem[]): void {
  if (!isObject(value)) {
    problems.push({ path, message: 'must be an object {attr, op, value}' });
    return;
  }
  for (const key of Object.keys(value))
    if (!['attr', 'op', 'value'].includes(key))
      problems.push({ path: `${path}/${key}`, message: 'is not a condition field' });
  if (typeof value['attr'] !== 'string' || !ATTRIBUTE.test(value['attr'])) {
    problems.push({
      path: `${path}/attr`,
      message: 'must name an attribute such as context.pii, principal.role or resource.classification',
    });
  }
  const op = value['op'];
  if (typeof op !== 'string' || !(op in OPERATOR_VALUES)) {
    problems.push({ path: `${path}/op`, message: `must be one of ${Object.keys(OPERATOR_VALUES).join(', ')}` });
    return;
  }
  const kind = OPERATOR_VALUES[op as ConditionOperator];
  const operand = value['value'];
  const valuePath = `${path}/value`;
  if (kind === 'none') {
    if (operand !== undefined) problems.push({ path: valuePath, message: `${op} takes no value` });
  } else if (kind === 'number') {
    if (typeof operand !== 'number' || !Number.isInteger(operand))
      problems.push({ path: valuePath, message: `${op} needs an integer` });
  } else if (kind === 'string_list') {
    if (!Array.isArray(operand) || operand.length === 0 || !operand.every((item) => typeof item === 'string')) {
      problems.push({ path: valuePath, message: `${op} needs a non-empty array of strings` });
    }
  } else if (
    !['string', 'number', 'boolean'].includes(typeof operand) ||
    (typeof operand === 'number' && !Number.isInteger(operand))
  ) {
    problems.push({ path: valuePath, message: `${op} needs a string, integer or boolean` });
  }
}

/** Validates one constraint's shape; problems carry JSON Pointer paths under `path` (the constraint). */
export function constraintShapeProblems(constraint: unknown, path: string): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  if (!isObject(constraint))
    return [{ path, message: 'must be an object {effect, actions, when?, unless?, resource_types?, obligations?}' }];
  for (const key of Object.keys(constraint))
    if (!KNOWN_KEYS.has(key)) problems.push({ path: `${path}/${key}`, message: 'is not a constraint field' });
  if (constraint['effect'] !== 'forbid' && constraint['effect'] !== 'permit')
    problems.push({ path: `${path}/effect`, message: 'must be "forbid" or "permit"' });
  stringList(constraint['actions'], `${path}/actions`, NAME, 'action names (snake_case)', problems);
  if (constraint['resource_types'] !== undefined)
    stringList(
      constraint['resource_types'],
      `${path}/resource_types`,
      TYPE_NAME,
      'resource type names (PascalCase)',
      problems,
    );
  for (const part of ['when', 'unless'] as const) {
    const conditions = constraint[part];
    if (conditions === undefined) continue;
    if (!Array.isArray(conditions))
      problems.push({ path: `${path}/${part}`, message: 'must be an array of conditions' });
    else
      conditions.forEach((condition, position) => checkCondition(condition, `${path}/${part}/${position}`, problems));
  }
  if (constraint['obligations'] !== undefined) {
    const obligations = constraint['obligations'];
    if (!Array.isArray(obligations) || !obligations.every((item) => (OBLIGATIONS as readonly unknown[]).includes(item)))
      problems.push({ path: `${path}/obligations`, message: `must be an array of ${OBLIGATIONS.join(', ')}` });
  }
  return problems;
}

/** Validates a principle's constraints array; problems carry JSON Pointer paths relative to `base`. */
export function constraintProblems(value: unknown, base = '/constraints'): DocumentProblem[] {
  if (!Array.isArray(value)) return [{ path: base, message: 'must be an array of constraints' }];
  const problems: DocumentProblem[] = [];
  if (value.length > 50) problems.push({ path: base, message: 'at most 50 constraints' });
  value.forEach((constraint, index) => problems.push(...constraintShapeProblems(constraint, `${base}/${index}`)));
  return problems;
}

function actionsOverlap(a: Constraint, b: Constraint): boolean {
  return a.actions.some((action) => b.actions.includes(action));
}

function resourcesOverlap(a: Constraint, b: Constraint): boolean {
  if (a.resource_types === undefined || b.resource_types === undefined) return true;
  return a.resource_types.some((type) => b.resource_types!.includes(type));
}

/** False only when two conditions on the same attribute can never hold together. */
function compatible(a: Condition, b: Condition): boolean {
  if (a.attr !== b.attr) return true;
  if (a.op === 'eq' && b.op === 'eq') return a.value === b.value;
  if ((a.op === 'is_true' && b.op === 'is_false') || (a.op === 'is_false' && b.op === 'is_true')) return false;
  if (a.op === 'eq' && b.op === 'neq') return a.value !== b.value;
  if (a.op === 'neq' && b.op === 'eq') return a.value !== b.value;
  const upper = (c: Condition) => (c.op === 'lt' ? Number(c.value) - 1 : c.op === 'lte' ? Number(c.value) : Infinity);
  const lower = (c: Condition) => (c.op === 'gt' ? Number(c.value) + 1 : c.op === 'gte' ? Number(c.value) : -Infinity);
  return Math.max(lower(a), lower(b)) <= Math.min(upper(a), upper(b));
}

function conditionsOverlap(a: Constraint, b: Constraint): boolean {
  const left = a.when ?? [];
  const right = b.when ?? [];
  return left.every((x) => right.every((y) => compatible(x, y)));
}

/**
 * Structural conflict: the two constraints cover a common action and resource type, have opposite effects, and
 * their `when` conditions do not obviously exclude each other. An unconditional permit is a baseline that forbids
 * are meant to carve exceptions from under deny-overrides, so it conflicts with nothing. A cheap early warning; the
 * verifier decides formally.
 */
export function structurallyConflict(a: Constraint, b: Constraint): boolean {
  const baseline = (c: Constraint) => c.effect === 'permit' && (c.when ?? []).length === 0;
  if (baseline(a) || baseline(b)) return false;
  return a.effect !== b.effect && actionsOverlap(a, b) && resourcesOverlap(a, b) && conditionsOverlap(a, b);
}
