import type { Bool } from 'z3-solver';
import type { EngineRequest } from '../enforcement/engine.js';
import { decisionOf, encodeBundle, parsePolicies, type EncodedBundle } from './bundle-encoding.js';
import { UnsupportedConstruct } from './encode.js';
import { witness, worstOf, type Counterexample, type PolicyText, type Verdict } from './questions.js';
import { replay, type Replayed } from './replay.js';
import { setUp, type QuestionOptions } from './search.js';

type ZBool = Bool<'verify'>;

/** One check of a policy or bundle. `example` is the replayed request that shows the answer, when there is one. */
export interface Check {
  verdict: Verdict;
  example: Counterexample | null;
  detail: string | null;
}

export interface PolicyFindings {
  id: string;
  effect: 'permit' | 'forbid';
  /** No request makes the policy error (symcc never-errors); violated shows one that does. */
  neverErrors: Check;
  /** Some request satisfies it — it is not vacuous (symcc never-matches, negated); holds shows one. */
  applies: Check;
  /**
   * Some request escapes it (symcc always-matches, negated; AgentCore's "allows all" for a permit, "denies all" for a
   * forbid); holds shows one. Reported, not a violation: a baseline permit is meant to match everything.
   */
  escapable: Check;
  /** A permit: some request is allowed because of it — forbids and errors do not always override it (shadowing). */
  reachable: Check | null;
  /** Taking the policy out changes some decision (it is not redundant); holds shows one. Reported, not a violation. */
  needed: Check;
}

/** A permit and a forbid that both apply to some request (the forbid wins); the example shows where. */
export interface Overlap {
  permit: string;
  forbid: string;
  example: Counterexample;
}

export interface PolicyReport {
  /**
   * Violated when a checked policy can error, is vacuous, or is a permit shadowed by the rest of the bundle, or when
   * the bundle allows nothing or denies nothing.
   */
  verdict: Verdict;
  policies: PolicyFindings[];
  overlaps: Overlap[];
  /** The bundle allows some request (AgentCore "allows none" when violated; symcc always-denies). */
  allowsSome: Check;
  /** The bundle denies some request (AgentCore "denies none" when violated; symcc always-allows). */
  deniesSome: Check;
}

export interface PolicyCheckOptions extends QuestionOptions {
  /** Check only these policies (and overlaps involving them); the rest of the bundle is context. */
  only?: readonly string[];
}

const undecided = (verdict: Verdict, detail: string): Check => ({ verdict, example: null, detail });

/** The verdicts a policy's findings contribute: errors, vacuity and shadowing count; the rest only when undecided. */
function findingVerdicts(finding: PolicyFindings): Verdict[] {
  return [
    finding.neverErrors.verdict,
    finding.applies.verdict,
    ...(finding.reachable === null ? [] : [finding.reachable.verdict]),
    // Universality and redundancy are reported, not violations; but an unanswered question is never a pass.
    ...[finding.escapable.verdict, finding.needed.verdict].filter((verdict) => verdict !== 'violated'),
  ];
}

/**
 * The symcc checks on each policy of a bundle and AgentCore's automated-reasoning findings, on PGC's semantics:
 * errors, vacuity, universality, shadowing and redundancy per policy, permit/forbid overlaps, and whether the bundle
 * allows and denies anything at all. Every example is replayed by Cedar before it is reported.
 */
export async function checkPolicies(
  schema: string,
  policies: readonly PolicyText[],
  options: PolicyCheckOptions = {},
): Promise<PolicyReport> {
  const parsed = parsePolicies(policies);
  const { encoding } = await setUp(
    schema,
    parsed.map((p) => p.json),
    options,
  );
  const { z } = encoding;
  let bundle: EncodedBundle;
  try {
    bundle = encodeBundle(encoding, parsed);
  } catch (error) {
    if (!(error instanceof UnsupportedConstruct)) throw error;
    const check = undecided('unsupported', error.message);
    return { verdict: 'unsupported', policies: [], overlaps: [], allowsSome: check, deniesSome: check };
  }
  const textOf = new Map(policies.map((policy) => [policy.id, policy]));
  const alone = (...ids: string[]) => ids.map((id) => textOf.get(id)!);

  /**
   * Looks for a request meeting `goal`; `confirm` says whether Cedar's replay shows the same (else the encoding is
   * wrong and the check fails loudly). `present` is the verdict when one exists, the other when none does.
   */
  const exists = async (
    goal: ZBool,
    label: string,
    present: 'holds' | 'violated',
    confirm: (request: EngineRequest) => { ok: boolean; replayed: Replayed },
  ): Promise<Check> => {
    const found = await witness(encoding, goal, label, label, options, confirm);
    if ('inconclusive' in found) return undecided('inconclusive', found.inconclusive);
    if ('none' in found) return { verdict: present === 'holds' ? 'violated' : 'holds', example: null, detail: null };
    return { verdict: present, example: found.found, detail: null };
  };

  const satisfiedAlone = (id: string, request: EngineRequest) => {
    const replayed = replay(schema, alone(id), request);
    return { satisfied: replayed.determining.includes(id) && replayed.errors.length === 0, replayed };
  };

  const checked = bundle.policies.filter((policy) => options.only === undefined || options.only.includes(policy.id));
  const findings: PolicyFindings[] = [];
  for (const policy of checked) {
    const { id } = policy;
    const rest = bundle.policies.filter((other) => other !== policy);
    const without = decisionOf(encoding, rest);
    findings.push({
      id,
      effect: policy.effect,
      neverErrors: await exists(policy.errors, `${id}: errors`, 'violated', (request) => {
        const replayed = replay(schema, alone(id), request);
        return { ok: replayed.errors.length > 0, replayed };
      }),
      applies: await exists(policy.satisfied, `${id}: applies`, 'holds', (request) => {
        const { satisfied, replayed } = satisfiedAlone(id, request);
        return { ok: satisfied, replayed };
      }),
      escapable: await exists(z.Not(policy.satisfied), `${id}: escapable`, 'holds', (request) => {
        const { satisfied, replayed } = satisfiedAlone(id, request);
        return { ok: !satisfied, replayed };
      }),
      reachable:
        policy.effect === 'forbid'
          ? null
          : await exists(z.And(policy.satisfied, bundle.allows), `${id}: reachable`, 'holds', (request) => {
              const replayed = replay(schema, policies, request);
              return { ok: replayed.decision === 'allow' && replayed.determining.includes(id), replayed };
            }),
      needed: await exists(z.Xor(bundle.allows, without.allows), `${id}: needed`, 'holds', (request) => {
        const replayed = replay(schema, policies, request);
        const others = policies.filter((other) => other.id !== id);
        return { ok: replay(schema, others, request).decision !== replayed.decision, replayed };
      }),
    });
  }

  const overlaps: Overlap[] = [];
  let overlapsUndecided: Verdict | null = null;
  for (const permit of bundle.policies.filter((p) => p.effect === 'permit'))
    for (const forbid of bundle.policies.filter((p) => p.effect === 'forbid')) {
      if (options.only !== undefined && !options.only.includes(permit.id) && !options.only.includes(forbid.id))
        continue;
      const overlap = await exists(
        z.And(permit.satisfied, forbid.satisfied),
        `overlap of ${permit.id} and ${forbid.id}`,
        'holds',
        (request) => {
          const replayed = replay(schema, alone(permit.id, forbid.id), request);
          return {
            ok: satisfiedAlone(permit.id, request).satisfied && replayed.determining.includes(forbid.id),
            replayed,
          };
        },
      );
      if (overlap.example !== null) overlaps.push({ permit: permit.id, forbid: forbid.id, example: overlap.example });
      else if (overlap.verdict === 'inconclusive') overlapsUndecided = 'inconclusive';
    }

  const allowsSome = await exists(bundle.allows, 'the bundle allows some request', 'holds', (request) => {
    const replayed = replay(schema, policies, request);
    return { ok: replayed.decision === 'allow', replayed };
  });
  const deniesSome = await exists(z.Not(bundle.allows), 'the bundle denies some request', 'holds', (request) => {
    const replayed = replay(schema, policies, request);
    return { ok: replayed.decision === 'deny', replayed };
  });

  const verdicts = findings.flatMap(findingVerdicts);
  if (overlapsUndecided !== null) verdicts.push(overlapsUndecided);
  // A bundle that allows nothing stops every agent; one that denies nothing governs nothing.
  verdicts.push(allowsSome.verdict, deniesSome.verdict);
  return {
    verdict: worstOf(verdicts),
    policies: findings,
    overlaps,
    allowsSome,
    deniesSome,
  };
}

export interface AddedPolicyReport extends PolicyReport {
  /** The policy joining; only its own findings count (with the newly shadowed permits). */
  policyId: string;
  /** Permits some request was allowed because of before the change and none is after. */
  newlyShadowed: string[];
  /** The bundle allowed (denied) some request before the change and allows (denies) none after it. */
  newly: { allowsNothing: boolean; deniesNothing: boolean };
}

/**
 * The checks a policy joining (or replacing one of) the policies in force must pass: it never errors, is not vacuous,
 * is not shadowed if a permit, shadows no permit that was reachable before, and the bundle does not stop allowing (or
 * denying) anything because of it. Other policies' old findings are reported but do not count against the newcomer.
 */
export async function checkAddedPolicy(
  schema: string,
  current: readonly PolicyText[],
  candidate: readonly PolicyText[],
  policyId: string,
  options: QuestionOptions = {},
): Promise<AddedPolicyReport> {
  const permits = parsePolicies(candidate)
    .filter((policy) => policy.json['effect'] === 'permit')
    .map((policy) => policy.id);
  const report = await checkPolicies(schema, candidate, { ...options, only: [policyId, ...permits] });
  const shadowedNow = report.policies
    .filter((finding) => finding.id !== policyId && finding.reachable?.verdict === 'violated')
    .map((finding) => finding.id);
  const bundleLost = report.allowsSome.verdict === 'violated' || report.deniesSome.verdict === 'violated';
  // What held before the change is asked only when something fails after it (the common case asks nothing more).
  const before =
    shadowedNow.length === 0 && !bundleLost
      ? null
      : await checkPolicies(schema, current, { ...options, only: shadowedNow });
  const newlyShadowed = (before?.policies ?? [])
    .filter((finding) => finding.reachable?.verdict === 'holds')
    .map((finding) => finding.id);
  // The bundle allowing nothing (or denying nothing) counts against the newcomer only if it did not before.
  const newlyLost = (check: 'allowsSome' | 'deniesSome'): Verdict =>
    report[check].verdict !== 'violated'
      ? report[check].verdict
      : before?.[check].verdict === 'holds'
        ? 'violated'
        : before?.[check].verdict === 'violated'
          ? 'holds'
          : 'inconclusive';
  const own = report.policies.find((finding) => finding.id === policyId);
  const verdicts = [
    ...(own === undefined ? [] : findingVerdicts(own)),
    ...(report.verdict === 'unsupported' ? ['unsupported' as const] : []),
    ...(newlyShadowed.length > 0 ? ['violated' as const] : []),
    newlyLost('allowsSome'),
    newlyLost('deniesSome'),
  ];
  const lost = {
    allowsNothing: newlyLost('allowsSome') === 'violated',
    deniesNothing: newlyLost('deniesSome') === 'violated',
  };
  return { ...report, verdict: worstOf(verdicts), policyId, newlyShadowed, newly: lost };
}

const requestText = (check: Check) => (check.example === null ? '' : ` e.g. ${JSON.stringify(check.example.request)}`);

/** The findings that count against a report, one line each, in words with their example; none when it holds. */
export function policyProblems(report: PolicyReport | AddedPolicyReport): string[] {
  const lines: string[] = [];
  const undecidedLine = (what: string, check: Check) =>
    check.verdict === 'inconclusive' || check.verdict === 'unsupported'
      ? [`${what}: ${check.verdict}${check.detail === null ? '' : ` — ${check.detail}`}`]
      : [];
  const counted = 'policyId' in report ? report.policies.filter((f) => f.id === report.policyId) : report.policies;
  for (const finding of counted) {
    const { id } = finding;
    if (finding.neverErrors.verdict === 'violated') lines.push(`${id} can error${requestText(finding.neverErrors)}`);
    if (finding.applies.verdict === 'violated') lines.push(`${id} is vacuous: no request satisfies it`);
    if (finding.reachable?.verdict === 'violated')
      lines.push(`${id} is shadowed: on every request it applies to, a forbid or an error denies`);
    for (const [what, check] of [
      ['never errors', finding.neverErrors],
      ['applies', finding.applies],
      ['escapable', finding.escapable],
      ['reachable', finding.reachable],
      ['needed', finding.needed],
    ] as const)
      if (check !== null) lines.push(...undecidedLine(`${id} ${what}`, check));
  }
  if ('policyId' in report)
    for (const id of report.newlyShadowed) lines.push(`${id} is newly shadowed: no request is allowed by it any more`);
  const added = 'policyId' in report;
  if (added ? report.newly.allowsNothing : report.allowsSome.verdict === 'violated')
    lines.push('the bundle allows no request');
  if (added ? report.newly.deniesNothing : report.deniesSome.verdict === 'violated')
    lines.push('the bundle denies no request');
  lines.push(...undecidedLine('the bundle allows some request', report.allowsSome));
  lines.push(...undecidedLine('the bundle denies some request', report.deniesSome));
  return lines;
}

/** Findings about a newcomer that do not keep it out: a policy whose removal changes no decision is redundant. */
export function policyWarnings(report: AddedPolicyReport): string[] {
  const own = report.policies.find((finding) => finding.id === report.policyId);
  if (own?.needed.verdict !== 'violated') return [];
  return [
    `${own.id} is redundant: every request it ${own.effect === 'permit' ? 'allows is already allowed' : 'denies is already denied'} without it`,
  ];
}
