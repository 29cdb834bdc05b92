import type { Bool } from 'z3-solver';
import { LRUCache } from 'lru-cache';
import { cedar } from '../policy/cedar.js';
import type { RequestEncoding } from './encode.js';

type ZBool = Bool<'verify'>;

/** A policy as Cedar's JSON AST, with the id it has in its bundle. */
export interface ParsedPolicy {
  id: string;
  json: Record<string, unknown>;
}

export interface EncodedPolicy {
  id: string;
  effect: 'permit' | 'forbid';
  /** Scope matches and every condition holds without error. */
  satisfied: ZBool;
  /** Scope matches and evaluating the conditions errors: Cedar skips the policy, PGC denies the request. */
  errors: ZBool;
}

export interface EncodedBundle {
  policies: EncodedPolicy[];
  /** PGC's decision: some permit satisfied, no forbid satisfied, and no policy in scope erroring. */
  allows: ZBool;
  /** Cedar's own decision, which ignores policies that error. */
  cedarAllows: ZBool;
}

// Questions about one bundle repeat its policies; their ASTs are read, never changed, so parsed ones are reused.
const parsedTexts = new LRUCache<string, Record<string, unknown>>({ max: 5000 });

/** Parses Cedar policy texts into their JSON ASTs (the encoder's input). */
export function parsePolicies(policies: readonly { id: string; text: string }[]): ParsedPolicy[] {
  return policies.map(({ id, text }) => {
    let json = parsedTexts.get(text);
    if (json === undefined) {
      const answer = cedar.policyToJson(text);
      if (answer.type === 'failure')
        throw new Error(`policy ${id} does not parse: ${answer.errors.map((error) => error.message).join('; ')}`);
      json = answer.json as unknown as Record<string, unknown>;
      parsedTexts.set(text, json);
    }
    return { id, json };
  });
}

/** Parses a Cedar condition (the body of a `when`) as a property over requests. */
export function parseCondition(condition: string): Record<string, unknown> {
  const answer = cedar.policyToJson(`permit (principal, action, resource) when { ${condition} };`);
  if (answer.type === 'failure')
    throw new Error(`condition does not parse: ${answer.errors.map((error) => error.message).join('; ')}`);
  const json = answer.json as unknown as { conditions: { body: Record<string, unknown> }[] };
  return json.conditions[0]!.body;
}

export function encodeBundle(encoding: RequestEncoding, policies: readonly ParsedPolicy[]): EncodedBundle {
  const { z } = encoding;
  const encoded = policies.map(({ id, json }): EncodedPolicy => {
    const scope = encoding.scope(json);
    const body = encoding.conditions(json);
    return {
      id,
      effect: json['effect'] as 'permit' | 'forbid',
      satisfied: z.And(scope, z.Not(body.err), body.v),
      errors: z.And(scope, body.err),
    };
  });
  return { policies: encoded, ...decisionOf(encoding, encoded) };
}

/** The decisions of a set of encoded policies — a bundle, or a bundle without some of its policies. */
export function decisionOf(
  encoding: RequestEncoding,
  policies: readonly EncodedPolicy[],
): Pick<EncodedBundle, 'allows' | 'cedarAllows'> {
  const { z } = encoding;
  const any = (list: ZBool[]) => z.Or(z.Bool.val(false), ...list);
  const permitted = any(policies.filter((p) => p.effect === 'permit').map((p) => p.satisfied));
  const forbidden = any(policies.filter((p) => p.effect === 'forbid').map((p) => p.satisfied));
  const cedarAllows = z.And(permitted, z.Not(forbidden));
  return { cedarAllows, allows: z.And(cedarAllows, z.Not(any(policies.map((p) => p.errors)))) };
}
