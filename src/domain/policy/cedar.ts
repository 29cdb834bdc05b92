import { createRequire } from 'node:module';
import type * as CedarWasm from '@cedar-policy/cedar-wasm/nodejs';

// cedar-wasm's Node build is CommonJS; loading it through require keeps its synchronous WASM initialisation.
export const cedar = createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs') as typeof CedarWasm;

export interface PolicyProblem {
  policy_id: string | null;
  message: string;
  line: number | null;
  column: number | null;
}

function location(text: string | undefined, offset: number | undefined): { line: number | null; column: number | null } {
  if (text === undefined || offset === undefined) return { line: null, column: null };
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

const policyIdIn = (message: string) => /policy with id `([^`]+)`/.exec(message)?.[1] ?? /policy `([^`]+)`/.exec(message)?.[1] ?? null;

/** Parses and validates policies (id → Cedar text) against a schema; problems carry line and column in the policy. */
export function validatePolicies(policies: Readonly<Record<string, string>>, schema: string): PolicyProblem[] {
  const answer = cedar.validate({ schema, policies: { staticPolicies: { ...policies } }, validationSettings: { mode: 'strict' } });
  if (answer.type === 'failure') {
    return answer.errors.map((error) => {
      const policyId = policyIdIn(error.message);
      return { policy_id: policyId, message: error.message, ...location(policyId === null ? undefined : policies[policyId], error.sourceLocations?.[0]?.start) };
    });
  }
  return answer.validationErrors.map((item) => ({ policy_id: item.policyId, message: item.error.message, ...location(policies[item.policyId], item.error.sourceLocations?.[0]?.start) }));
}

export interface PolicyMetadata {
  effect: 'permit' | 'forbid';
  /** The actions the policy's scope names; null when it applies to every action. */
  actions: string[] | null;
  annotations: Record<string, string>;
}

/** Reads a parsed policy's effect, action scope and annotations. */
export function policyMetadata(text: string): PolicyMetadata {
  const answer = cedar.policyToJson(text);
  if (answer.type === 'failure') throw new Error(answer.errors.map((error) => error.message).join('; '));
  const json = answer.json;
  const action = json.action;
  const uid = (entity: CedarWasm.EntityUidJson) => ('__entity' in entity ? entity.__entity.id : entity.id);
  const actions = action.op === 'All' ? null : action.op === '==' ? ('entity' in action ? [uid(action.entity)] : null) : 'entity' in action ? [uid(action.entity)] : action.entities.map(uid);
  return { effect: json.effect, actions, annotations: { ...(json.annotations ?? {}) } };
}
