import type { Bool } from 'z3-solver';
import type { EngineRequest } from '../enforcement/engine.js';
import { encodeBundle, parsePolicies, type EncodedBundle } from './bundle-encoding.js';
import { UnsupportedConstruct } from './encode.js';
import type { Check } from './policy-checks.js';
import { witness, type PolicyText } from './questions.js';
import { replay } from './replay.js';
import { setUp, type QuestionOptions } from './search.js';

type ZBool = Bool<'verify'>;

/**
 * What a set of policies is compared on: `matches` — some policy of the set applies (is satisfied without error),
 * whatever its effect (symcc's matches-equivalent/implies/disjoint); `allows` — the set, as a bundle, allows the
 * request on PGC's semantics (symcc's equivalent/implies/disjoint).
 */
export type Basis = 'matches' | 'allows';

/** How two policy sets relate on every request; each a check whose violation comes with a replayed example. */
export interface Relation {
  basis: Basis;
  /** Every request the left set matches (allows), the right set does too; violated: one it does not. */
  implies: Check;
  /** Every request the right set matches (allows), the left set does too. */
  impliedBy: Check;
  /** Both of the above. */
  equivalent: Check;
  /** No request is matched (allowed) by both; violated: one that is. */
  disjoint: Check;
}

const undecided = (verdict: Check['verdict'], detail: string): Check => ({ verdict, example: null, detail });

/** Symcc's pairwise questions on two policy sets, each answer's example decided by Cedar before it is reported. */
export async function relatePolicies(
  schema: string,
  left: readonly PolicyText[],
  right: readonly PolicyText[],
  basis: Basis,
  options: QuestionOptions = {},
): Promise<Relation> {
  const [l, r] = [parsePolicies(left), parsePolicies(right)];
  const { encoding } = await setUp(
    schema,
    [...l, ...r].map((p) => p.json),
    options,
  );
  const { z } = encoding;
  let bundles: [EncodedBundle, EncodedBundle];
  try {
    bundles = [encodeBundle(encoding, l), encodeBundle(encoding, r)];
  } catch (error) {
    if (!(error instanceof UnsupportedConstruct)) throw error;
    const check = undecided('unsupported', error.message);
    return { basis, implies: check, impliedBy: check, equivalent: check, disjoint: check };
  }
  const holds = (bundle: EncodedBundle): ZBool =>
    basis === 'allows' ? bundle.allows : z.Or(z.Bool.val(false), ...bundle.policies.map((p) => p.satisfied));
  /** Whether Cedar, deciding `request`, finds the set matching (allowing) it. */
  const concretely = (policies: readonly PolicyText[], request: EngineRequest): boolean =>
    basis === 'allows'
      ? replay(schema, policies, request).decision === 'allow'
      : policies.some((policy) => {
          const alone = replay(schema, [policy], request);
          return alone.determining.includes(policy.id) && alone.errors.length === 0;
        });
  const [inLeft, inRight] = [holds(bundles[0]), holds(bundles[1])];

  /** "No request is in `a` and (not) in `b`": violated with the request that is. */
  const none = async (goal: ZBool, label: string, expected: [boolean, boolean]): Promise<Check> => {
    const found = await witness(encoding, goal, label, label, options, (request) => ({
      ok: concretely(left, request) === expected[0] && concretely(right, request) === expected[1],
      replayed: replay(schema, left, request),
    }));
    if ('inconclusive' in found) return undecided('inconclusive', found.inconclusive);
    if ('none' in found) return { verdict: 'holds', example: null, detail: null };
    return { verdict: 'violated', example: found.found, detail: null };
  };

  const implies = await none(z.And(inLeft, z.Not(inRight)), `${basis}: left but not right`, [true, false]);
  const impliedBy = await none(z.And(inRight, z.Not(inLeft)), `${basis}: right but not left`, [false, true]);
  const disjoint = await none(z.And(inLeft, inRight), `${basis}: both`, [true, true]);
  const equivalent: Check =
    implies.verdict === 'holds' && impliedBy.verdict === 'holds'
      ? { verdict: 'holds', example: null, detail: null }
      : implies.verdict === 'violated'
        ? implies
        : impliedBy.verdict === 'violated'
          ? impliedBy
          : undecided('inconclusive', implies.detail ?? impliedBy.detail ?? 'undecided');
  return { basis, implies, impliedBy, equivalent, disjoint };
}
