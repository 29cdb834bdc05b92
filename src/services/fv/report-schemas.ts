import { Type, type TProperties, type TSchema } from '@sinclair/typebox';
import { ConcreteRequest, Nullable, OneOf, VerdictSchema } from '../../platform/http/schemas.js';

// What each kind of verification job reports, so /docs/json describes it field by field. Fields added after a kind
// first shipped are optional: reports stored by an earlier version are still served as they were written.

const closed = <T extends TProperties>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description === undefined ? {} : { description }) });
const Str = Type.String();
const Strings = Type.Array(Type.String());
const Count = Type.Integer({ minimum: 0 });
const Counts = Type.Record(Type.String(), Count);

const Request = ConcreteRequest;
const Replayed = closed(
  { decision: OneOf(['allow', 'deny'] as const), determining: Strings, errors: Strings },
  'How Cedar decided the request, with PGC’s rule that an erroring policy denies',
);
const Counterexample = closed({ request: Request, replayed: Replayed });
const Detail = Nullable(Type.String({ description: 'Why the answer is unsupported or inconclusive' }));

const Impact = closed({
  verdict: OneOf(['equivalent', 'different', 'unsupported', 'inconclusive'] as const),
  nowAllowed: Nullable(Counterexample),
  nowDenied: Nullable(Counterexample),
  detail: Detail,
});
const Conformance = closed({
  verdict: VerdictSchema,
  constraints: Type.Array(
    closed({
      principle: Str,
      constraint: Count,
      effect: OneOf(['forbid', 'permit'] as const),
      property: Type.String({ description: 'The constraint as a Cedar condition over requests' }),
      verdict: VerdictSchema,
      counterexamples: Type.Array(Counterexample),
      detail: Detail,
    }),
  ),
  translation: Nullable(Impact),
});
const Check = closed({ verdict: VerdictSchema, example: Nullable(Counterexample), detail: Detail });
const PolicyFindings = closed({
  id: Str,
  effect: OneOf(['forbid', 'permit'] as const),
  neverErrors: Check,
  applies: Check,
  escapable: Check,
  reachable: Nullable(Check),
  needed: Check,
});
const policyReportFields = {
  verdict: VerdictSchema,
  policies: Type.Array(PolicyFindings),
  overlaps: Type.Array(closed({ permit: Str, forbid: Str, example: Counterexample })),
  allowsSome: Check,
  deniesSome: Check,
};
const PolicyChecks = closed(policyReportFields);
const AddedPolicyChecks = closed({
  ...policyReportFields,
  policyId: Str,
  newlyShadowed: Strings,
  newly: closed({ allowsNothing: Type.Boolean(), deniesNothing: Type.Boolean() }),
});
const Problems = Type.Array(Type.String(), {
  description: 'Every finding that makes the verdict what it is (violated constraints, then policy checks), in words',
});
const Estimate = { value: Type.Number(), ci: Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }) };
const BundleVersion = Type.Integer({ minimum: 1 });

const reports: [string, TSchema][] = [
  [
    'bundle',
    closed({
      bundle_version: BundleVersion,
      constitution_version: Type.Optional(Type.Integer()),
      constitution_hash: Type.Optional(Str),
      conformance: Conformance,
      policies: Type.Optional(PolicyChecks),
      problems: Type.Optional(Problems),
    }),
  ],
  [
    'policy',
    closed({
      bundle_version: BundleVersion,
      policy_id: Str,
      mode: Type.Optional(OneOf(['replace', 'add'] as const)),
      conformance: Conformance,
      policy_checks: Type.Optional(AddedPolicyChecks),
      problems: Type.Optional(Problems),
      warnings: Type.Optional(
        Type.Array(Type.String(), { description: 'Findings that do not count against it: a redundant policy' }),
      ),
      impact: Impact,
    }),
  ],
  [
    'property',
    closed({
      bundle_version: BundleVersion,
      condition: Str,
      never: OneOf(['allow', 'deny'] as const),
      verdict: VerdictSchema,
      counterexamples: Type.Array(Counterexample),
      detail: Detail,
    }),
  ],
  [
    'impact',
    closed({
      bundle_version: BundleVersion,
      symbolic: Impact,
      empirical: closed({
        replayed: Count,
        skipped_fail_closed: Count,
        flipped: Count,
        by_action: Counts,
        by_principle: Counts,
        examples: Type.Array(closed({ decision_id: Str, was: Str, now: Str, determining: Strings })),
      }),
    }),
  ],
  [
    'fairness',
    closed({
      bundle_version: BundleVersion,
      ungrouped: Count,
      skipped_fail_closed: Count,
      verdict: VerdictSchema,
      groups: Type.Array(
        closed({
          group: Str,
          n: Count,
          favourable: Count,
          selection_rate: Type.Number(),
          positives: Nullable(Count),
          true_positive_rate: Nullable(Type.Number()),
        }),
      ),
      demographic_parity_difference: closed(Estimate),
      disparate_impact_ratio: closed({
        ...Estimate,
        four_fifths_rule: OneOf(['passes', 'fails', 'undecided'] as const),
      }),
      equal_opportunity_difference: Nullable(
        closed({ ...Estimate, limit: Type.Number(), within_limit: OneOf(['yes', 'no', 'undecided'] as const) }),
      ),
      confidence: Type.Number(),
      resamples: Count,
      seed: Count,
    }),
  ],
  [
    'compare',
    closed({
      bundle_version: BundleVersion,
      basis: OneOf(['matches', 'allows'] as const),
      implies: Check,
      impliedBy: Check,
      equivalent: Check,
      disjoint: Check,
    }),
  ],
  [
    'undecided',
    closed(
      { bundle_version: BundleVersion, detail: Str },
      'Any kind, when the solver could not answer at all (its worker lost twice, or out of time)',
    ),
  ],
];

/** A job's report: one of these, by the job's kind. */
export const JobReport = Type.Union(
  reports.map(([kind, schema]) => ({ ...schema, title: `${kind} report` })),
  { description: 'By kind; each counterexample or example is a request Cedar was made to decide' },
);
