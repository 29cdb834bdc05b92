/**
 * A principle's constraints as sentences a council member can read and vote on, e.g. "Forbid respond when the
 * request's secrets is true, unless human approved is true; obligation: redact". Framework-free, so the same words
 * appear in the constitution page, amendment diffs and tests.
 */
import type { Condition, Constraint } from '../api/types.js';

const OPERATORS: Readonly<Record<string, string>> = {
  eq: 'is',
  neq: 'is not',
  in: 'is one of',
  contains: 'contains',
  containsAny: 'contains any of',
  containsAll: 'contains all of',
  gt: 'is more than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
  is_true: 'is true',
  is_false: 'is false',
};

const SIDES: Readonly<Record<string, string>> = {
  context: "the request's",
  principal: "the caller's",
  resource: "the resource's",
};

function attributeName(attr: string): string {
  const [side, ...rest] = attr.split('.');
  const name = rest.join('.').replace(/_/g, ' ');
  const owner = side === undefined ? undefined : SIDES[side];
  return owner === undefined ? attr : `${owner} ${name}`;
}

function valueText(value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => JSON.stringify(item)).join(', ');
  return JSON.stringify(value);
}

export function conditionSentence(condition: Condition): string {
  const operator = OPERATORS[condition.op] ?? condition.op;
  const operand = condition.op === 'is_true' || condition.op === 'is_false' ? '' : ` ${valueText(condition.value)}`;
  return `${attributeName(condition.attr)} ${operator}${operand}`;
}

export function constraintSentence(constraint: Constraint): string {
  const effect = constraint.effect === 'forbid' ? 'Forbid' : 'Permit';
  const actions = constraint.actions?.length ? constraint.actions.join(', ') : 'every action';
  const types = Array.isArray(constraint['resource_types'])
    ? ` on ${(constraint['resource_types'] as string[]).join(', ')}`
    : '';
  const when = constraint.when?.length ? ` when ${constraint.when.map(conditionSentence).join(' and ')}` : '';
  const unless = constraint.unless?.length ? `, unless ${constraint.unless.map(conditionSentence).join(' or ')}` : '';
  const obligations = constraint.obligations?.length ? `; obligation: ${constraint.obligations.join(', ')}` : '';
  return `${effect} ${actions}${types}${when}${unless}${obligations}.`;
}
