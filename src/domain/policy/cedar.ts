import type * as CedarWasm from '@cedar-policy/cedar-wasm/nodejs';
import { assertCedarBounded } from './cedar-bounds.js';
import { toolsCedar } from './cedar-runtime.js';

/** cedar-wasm for parsing, validation and analysis: an instance apart from enforcement's, replaced if it faults. */
export const cedar = toolsCedar.api;

export interface PolicyProblem {
  policy_id: string | null;
  message: string;
  line: number | null;
  column: number | null;
}

/** The 1-based line and column of a character offset into a text (null when either is unknown). */
export function lineAndColumn(
  text: string | undefined,
  offset: number | undefined,
): { line: number | null; column: number | null } {
  if (text === undefined || offset === undefined) return { line: null, column: null };
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

const policyIdIn = (message: string) =>
  /policy with id `([^`]+)`/.exec(message)?.[1] ?? /policy `([^`]+)`/.exec(message)?.[1] ?? null;

/** Parses and validates policies (id → Cedar text) against a schema; problems carry line and column in the policy. */
export function validatePolicies(policies: Readonly<Record<string, string>>, schema: string): PolicyProblem[] {
  for (const [id, text] of Object.entries(policies)) assertCedarBounded(text, `policy ${id}`);
  const answer = cedar.validate({
    schema,
    policies: { staticPolicies: { ...policies } },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure') {
    return answer.errors.map((error) => {
      const policyId = policyIdIn(error.message);
      return {
        policy_id: policyId,
        message: error.message,
        ...lineAndColumn(policyId === null ? undefined : policies[policyId], error.sourceLocations?.[0]?.start),
      };
    });
  }
  return answer.validationErrors.map((item) => ({
    policy_id: item.policyId,
    message: item.error.message,
    ...lineAndColumn(policies[item.policyId], item.error.sourceLocations?.[0]?.start),
  }));
}

export interface PolicyMetadata {
  effect: 'permit' | 'forbid';
  /** The actions the policy's scope names; null when it applies to every action. */
  actions: string[] | null;
  /** The principal / resource entity type the scope pins down (`is T` or `== T::"id"`); null when any may match. */
  principalType: string | null;
  resourceType: string | null;
  annotations: Record<string, string>;
}

function entityOf(value: unknown): { type: string; id: string } | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as { __entity?: { type: string; id: string }; type?: string; id?: string };
  if (record.__entity !== undefined) return record.__entity;
  return typeof record.type === 'string' && typeof record.id === 'string' ? { type: record.type, id: record.id } : null;
}

/** The entity type a principal/resource scope pins down (`is T`, `== T::"id"`); null for `in` (the hierarchy may reach other types) and for any. */
function scopedType(constraint: Record<string, unknown>): string | null {
  if (constraint['op'] === 'is' && typeof constraint['entity_type'] === 'string') return constraint['entity_type'];
  if (constraint['op'] === '==') return entityOf(constraint['entity'])?.type ?? null;
  return null;
}

function scopedActions(constraint: Record<string, unknown>): string[] | null {
  if (constraint['op'] === '==') {
    const entity = entityOf(constraint['entity']);
    return entity === null ? null : [entity.id];
  }
  if (constraint['op'] === 'in') {
    const single = entityOf(constraint['entity']);
    if (single !== null) return [single.id];
    const list = constraint['entities'];
    if (!Array.isArray(list)) return null;
    const ids: string[] = [];
    for (const item of list) {
      const entity = entityOf(item);
      if (entity === null) return null;
      ids.push(entity.id);
    }
    return ids;
  }
  return null;
}

/** A policy's JSON form (Cedar's EST), for reading it more than one way from one parse. */
export function policyJson(text: string): Record<string, unknown> {
  assertCedarBounded(text, 'policy');
  const answer = cedar.policyToJson(text);
  if (answer.type === 'failure') throw new Error(answer.errors.map((error) => error.message).join('; '));
  return answer.json as unknown as Record<string, unknown>;
}

/** Reads a parsed policy's effect, scope and annotations. */
export const policyMetadata = (text: string): PolicyMetadata => metadataOf(policyJson(text));

/** A policy's effect, scope and annotations, from its JSON form. */
export function metadataOf(est: Record<string, unknown>): PolicyMetadata {
  // Read as plain records: the typed JSON shapes differ per operator.
  const json = est as Record<string, Record<string, unknown>>;
  const annotations: Record<string, string> = {};
  for (const [name, value] of Object.entries(json['annotations'] ?? {}))
    annotations[name] = typeof value === 'string' ? value : '';
  return {
    effect: json['effect'] as unknown as 'permit' | 'forbid',
    actions: scopedActions(json['action']!),
    principalType: scopedType(json['principal']!),
    resourceType: scopedType(json['resource']!),
    annotations,
  };
}

/** The items of a comma-separated annotation value, e.g. @principle("a, b"). */
export const annotationValues = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** The principle keys a policy names in @principle. */
export const principleKeys = (text: string): string[] =>
  annotationValues(policyMetadata(text).annotations['principle']);

/** Cedar JSON printed by Cedar itself (so literals are escaped by the parser's own rules) and formatted. */
export function printPolicy(json: CedarWasm.PolicyJson): string {
  const text = cedar.policyToText(json);
  if (text.type === 'failure') throw new Error(text.errors.map((error) => error.message).join('; '));
  const formatted = cedar.formatPolicies({ policyText: text.text, lineWidth: 120, indentWidth: 2 });
  if (formatted.type === 'failure') throw new Error(formatted.errors.map((error) => error.message).join('; '));
  return formatted.formatted_policy.trimEnd();
}
