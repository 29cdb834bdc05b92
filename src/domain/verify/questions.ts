import type { Bool } from 'z3-solver';
import type { EngineRequest } from '../enforcement/engine.js';
import { encodeBundle, parseCondition, parsePolicies, type EncodedBundle } from './bundle-encoding.js';
import { pinnedTo } from './counterexample.js';
import { UnsupportedConstruct } from './encode.js';
import { conditionHolds, replay, type Replayed } from './replay.js';
import type { RequestEncoding } from './encode.js';
import { search, setUp, type QuestionOptions } from './search.js';
import { check } from './z3.js';
import type { Verdict } from './verdict.js';

type ZBool = Bool<'verify'>;

export type { QuestionOptions } from './search.js';

export type { Verdict };

const WORST_FIRST: readonly Verdict[] = ['violated', 'inconclusive', 'unsupported', 'holds'];

/** The verdict of several findings: a violation, else anything undecided, else holds (also for none). */
export const worstOf = (verdicts: readonly Verdict[]): Verdict =>
  WORST_FIRST.find((verdict) => verdicts.includes(verdict)) ?? 'holds';

export interface Counterexample {
  request: EngineRequest;
  /** How Cedar (with PGC's rule on errors) decided the request when it was replayed. */
  replayed: Replayed;
}

export interface Answer {
  verdict: Verdict;
  counterexamples: Counterexample[];
  /** Why the answer is unsupported or inconclusive, in words. */
  detail: string | null;
}

export interface PolicyText {
  id: string;
  text: string;
}

/**
 * The solver claimed something about a request that Cedar, deciding the same request, contradicts: the encoding is
 * wrong for some construct. Never reported as a verdict; the request is kept so the case can be reproduced.
 */
export class EncodingMismatch extends Error {
  constructor(
    readonly claim: string,
    readonly request: EngineRequest,
    readonly replayed: Replayed,
  ) {
    super(`encoding mismatch: the solver claimed ${claim}, Cedar decided ${replayed.decision}`);
    this.name = 'EncodingMismatch';
  }
}

export type Witness = { found: Counterexample } | { none: true } | { inconclusive: string };

/**
 * The soundness guard around a search: a request the solver finds for `goal` is reported only after `confirm`, which
 * decides it with Cedar, agrees; otherwise the encoding is wrong and `claim` names what the solver said.
 */
export async function witness(
  encoding: RequestEncoding,
  goal: ZBool,
  label: string,
  claim: string,
  options: QuestionOptions,
  confirm: (request: EngineRequest) => { ok: boolean; replayed: Replayed },
  shrink = false,
): Promise<Witness> {
  const found = await search(encoding, goal, label, options, shrink);
  if (!('found' in found)) return found;
  const { ok, replayed } = confirm(found.found);
  if (!ok) throw new EncodingMismatch(claim, found.found, replayed);
  return { found: { request: found.found, replayed } };
}

export const unsupported = (error: unknown): Answer => {
  if (error instanceof UnsupportedConstruct)
    return { verdict: 'unsupported', counterexamples: [], detail: error.message };
  throw error;
};

export interface NeverQuestion {
  condition: string;
  decision: 'allow' | 'deny';
}

/**
 * For each question, "no request matching `condition` is decided `decision`" under the bundle, on PGC's semantics.
 * The bundle is encoded once for all of them (over the literals of every condition), not once per question.
 */
export async function neverDecidesEach(
  schema: string,
  policies: readonly PolicyText[],
  questions: readonly NeverQuestion[],
  options: QuestionOptions = {},
): Promise<Answer[]> {
  const parsed = parsePolicies(policies);
  const properties = questions.map((question) => parseCondition(question.condition));
  const { encoding } = await setUp(schema, [...parsed.map((p) => p.json), ...properties], options);
  const { z } = encoding;
  let bundle: EncodedBundle;
  try {
    bundle = encodeBundle(encoding, parsed);
  } catch (error) {
    const answer = unsupported(error);
    return questions.map(() => answer);
  }
  const answers: Answer[] = [];
  for (const [index, { condition, decision }] of questions.entries()) {
    let goal: ZBool;
    try {
      const matches = encoding.expression(properties[index]);
      if (matches.term.kind !== 'bool') throw new UnsupportedConstruct('property', 'must be a Bool condition');
      goal = z.And(matches.term.v, z.Not(matches.err), decision === 'allow' ? bundle.allows : z.Not(bundle.allows));
    } catch (error) {
      answers.push(unsupported(error));
      continue;
    }
    const found = await witness(
      encoding,
      goal,
      `never ${decision}: ${condition}`,
      `a request matching ${condition} decided ${decision}`,
      options,
      (request) => {
        const replayed = replay(schema, policies, request);
        return { ok: replayed.decision === decision && conditionHolds(schema, condition, request), replayed };
      },
      options.smallestCounterexamples === true,
    );
    if ('inconclusive' in found)
      answers.push({ verdict: 'inconclusive', counterexamples: [], detail: found.inconclusive });
    else if ('none' in found) answers.push({ verdict: 'holds', counterexamples: [], detail: null });
    else answers.push({ verdict: 'violated', counterexamples: [found.found], detail: null });
  }
  return answers;
}

/** "No request matching `condition` is decided `decision`" under the bundle, on PGC's semantics. */
export async function neverDecides(
  schema: string,
  policies: readonly PolicyText[],
  condition: string,
  decision: 'allow' | 'deny',
  options: QuestionOptions = {},
): Promise<Answer> {
  return (await neverDecidesEach(schema, policies, [{ condition, decision }], options))[0]!;
}

/** "No request matching `condition` is allowed" under the bundle, on PGC's semantics. */
export const neverAllowed = (
  schema: string,
  policies: readonly PolicyText[],
  condition: string,
  options: QuestionOptions = {},
): Promise<Answer> => neverDecides(schema, policies, condition, 'allow', options);

export interface ImpactAnswer {
  verdict: 'equivalent' | 'different' | 'unsupported' | 'inconclusive';
  /** A request the candidate allows and the current bundle denies (more permissive), if any. */
  nowAllowed: Counterexample | null;
  /** A request the candidate denies and the current bundle allows (more restrictive), if any. */
  nowDenied: Counterexample | null;
  detail: string | null;
}

/** Symbolic change impact: whether two bundles decide every request alike, else a request flipping each way. */
export async function compareBundles(
  schema: string,
  current: readonly PolicyText[],
  candidate: readonly PolicyText[],
  options: QuestionOptions = {},
): Promise<ImpactAnswer> {
  const [before, after] = [parsePolicies(current), parsePolicies(candidate)];
  const { encoding } = await setUp(
    schema,
    [...before, ...after].map((p) => p.json),
    options,
  );
  const { z } = encoding;
  let bundles: [EncodedBundle, EncodedBundle];
  try {
    bundles = [encodeBundle(encoding, before), encodeBundle(encoding, after)];
  } catch (error) {
    const answer = unsupported(error);
    return { verdict: 'unsupported', nowAllowed: null, nowDenied: null, detail: answer.detail };
  }
  const [old, next] = bundles;
  const flip = async (goal: ZBool, allowedBy: 'candidate' | 'current'): Promise<Counterexample | string | null> => {
    const found = await witness(
      encoding,
      goal,
      `impact: allowed by the ${allowedBy} bundle alone`,
      `a request the ${allowedBy} bundle alone allows`,
      options,
      (request) => {
        const [was, now] = [replay(schema, current, request), replay(schema, candidate, request)];
        const expected = allowedBy === 'candidate' ? ['deny', 'allow'] : ['allow', 'deny'];
        // Reported as the candidate decides it; a mismatch shows the bundle the solver said allows it.
        const ok = was.decision === expected[0] && now.decision === expected[1];
        return { ok, replayed: ok || allowedBy === 'candidate' ? now : was };
      },
    );
    if ('inconclusive' in found) return found.inconclusive;
    if ('none' in found) return null;
    return found.found;
  };
  const nowAllowed = await flip(z.And(z.Not(old.allows), next.allows), 'candidate');
  const nowDenied = await flip(z.And(old.allows, z.Not(next.allows)), 'current');
  const reason = [nowAllowed, nowDenied].find((item): item is string => typeof item === 'string');
  if (reason !== undefined) return { verdict: 'inconclusive', nowAllowed: null, nowDenied: null, detail: reason };
  const [allowed, denied] = [nowAllowed as Counterexample | null, nowDenied as Counterexample | null];
  return {
    verdict: allowed === null && denied === null ? 'equivalent' : 'different',
    nowAllowed: allowed,
    nowDenied: denied,
    detail: null,
  };
}

/**
 * What the encoding says PGC decides on each of these concrete requests — the self-check that ties the encoding to
 * Cedar: tests and `acgs verify` compare it with Cedar's own decision on the same requests. `undetermined` means
 * the pinned request still left the decision open (an encoding bug) or the solver gave up.
 */
export async function symbolicDecisions(
  schema: string,
  policies: readonly PolicyText[],
  requests: readonly EngineRequest[],
): Promise<('allow' | 'deny' | 'undetermined')[]> {
  const parsed = parsePolicies(policies);
  const { encoding } = await setUp(
    schema,
    parsed.map((p) => p.json),
  );
  const { z } = encoding;
  const bundle = encodeBundle(encoding, parsed);
  const solver = new z.Solver();
  solver.add(encoding.wellFormed());
  const decisions: ('allow' | 'deny' | 'undetermined')[] = [];
  for (const request of requests) {
    solver.push();
    solver.add(pinnedTo(encoding, request));
    const [canAllow, canDeny] = [await check(solver, bundle.allows), await check(solver, z.Not(bundle.allows))];
    solver.pop();
    decisions.push(
      canAllow === 'sat' && canDeny === 'unsat'
        ? 'allow'
        : canAllow === 'unsat' && canDeny === 'sat'
          ? 'deny'
          : 'undetermined',
    );
  }
  return decisions;
}
