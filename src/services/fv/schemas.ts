import { Type } from '@sinclair/typebox';
import { Nullable, PageOf, Time, Uuid, OneOf, VerdictSchema } from '../../platform/http/schemas.js';
import { FAIRNESS_DEFAULTS } from '../../domain/verify/fairness.js';
import { JOB_KINDS, JOB_STATUSES } from './job-store.js';
import { JobReport } from './report-schemas.js';

const PolicyInput = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Else the policy’s @id annotation' })),
    text: Type.String({ minLength: 1, maxLength: 65_536, description: 'One Cedar policy' }),
  },
  { additionalProperties: false },
);
const BundleVersion = Type.Optional(
  Type.Integer({ minimum: 1, description: 'The bundle to verify against (default: the active one)' }),
);

export const PolicyJobBody = Type.Object(
  {
    policy: PolicyInput,
    bundle_version: BundleVersion,
    mode: Type.Optional(
      OneOf(['replace', 'add'] as const, {
        description:
          'replace (default): the policy replaces the bundle policy of its id, 404 POLICY_NOT_IN_BUNDLE if there is none; add: it joins the bundle, 400 POLICY_EXISTS_IN_BUNDLE if its id is taken',
      }),
    ),
  },
  { additionalProperties: false },
);
export const BundleJobBody = Type.Object(
  {
    bundle_version: BundleVersion,
    constitution: Type.Optional(
      OneOf(['named', 'in_force'] as const, {
        description: 'Prove against the constitution the bundle names (default) or the one in force now',
      }),
    ),
    constitution_version: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Prove against this constitution version instead' }),
    ),
  },
  { additionalProperties: false },
);
export const ImpactJobBody = Type.Object(
  {
    add: Type.Optional(Type.Array(PolicyInput, { maxItems: 200, description: 'Policies added or replaced (by id)' })),
    remove: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { maxItems: 200 })),
    bundle_version: BundleVersion,
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Replay decisions recorded from then on' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000 })),
  },
  { additionalProperties: false },
);
export const PropertyJobBody = Type.Object(
  {
    condition: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 16_384,
        description: 'A Cedar condition over principal, action, resource and context, as in a `when` clause',
      }),
    ),
    matching: Type.Optional(
      Type.Object(
        {
          actions: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 50 }),
          resource_types: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
          when: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 50 })),
          unless: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 50 })),
        },
        {
          additionalProperties: false,
          description:
            'Instead of condition: the requests in the constitution’s constraint form (docs/constitution.md), type-checked like a constraint',
        },
      ),
    ),
    never: Type.Optional(OneOf(['allow', 'deny'] as const)),
    bundle_version: BundleVersion,
  },
  { additionalProperties: false },
);
const Entity = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 128 }),
    id: Type.String({ minLength: 1, maxLength: 256 }),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
const LabelledRequest = Type.Object(
  {
    request: Type.Object(
      {
        principal: Entity,
        action: Type.String({ minLength: 1, maxLength: 128 }),
        resource: Entity,
        context: Type.Record(Type.String(), Type.Unknown()),
      },
      { additionalProperties: false },
    ),
    group: Type.String({ minLength: 1, maxLength: 128, description: 'The group the request speaks for' }),
    label: Type.Optional(
      Type.Boolean({ description: 'It deserves an allow (ground truth; enables equal opportunity). All or none' }),
    ),
  },
  { additionalProperties: false },
);
export const FairnessJobBody = Type.Object(
  {
    requests: Type.Optional(
      Type.Array(LabelledRequest, {
        minItems: 2,
        maxItems: 5000,
        description: 'Decided through the bundle as a dry run (nothing is logged)',
      }),
    ),
    recorded: Type.Optional(
      Type.Object(
        {
          group_by: Type.String({
            pattern: '^principal\\.[A-Za-z_][A-Za-z0-9_]*$',
            description: 'principal.type, or a principal attribute such as principal.role',
          }),
          since: Type.Optional(Type.String({ format: 'date-time' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    bundle_version: BundleVersion,
    min_group_size: Type.Optional(
      Type.Integer({ minimum: 10, maximum: 100_000, default: FAIRNESS_DEFAULTS.minGroupSize }),
    ),
    confidence: Type.Optional(Type.Number({ minimum: 0.5, maximum: 0.999, default: FAIRNESS_DEFAULTS.confidence })),
    resamples: Type.Optional(Type.Integer({ minimum: 100, maximum: 10_000, default: FAIRNESS_DEFAULTS.resamples })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, default: FAIRNESS_DEFAULTS.seed })),
    max_opportunity_difference: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, default: FAIRNESS_DEFAULTS.maxOpportunityDifference }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of requests and recorded' },
);
const CompareSide = Type.Object(
  {
    policies: Type.Optional(Type.Array(PolicyInput, { minItems: 1, maxItems: 2000 })),
    bundle_version: BundleVersion,
  },
  {
    additionalProperties: false,
    description: 'Policies given here, or a bundle version, or (neither) the active bundle',
  },
);
export const CompareJobBody = Type.Object(
  {
    left: CompareSide,
    right: CompareSide,
    basis: Type.Optional(
      OneOf(['matches', 'allows'] as const, {
        description:
          'matches: some policy of the set applies, whatever its effect; allows: the set as a bundle allows (default)',
      }),
    ),
  },
  { additionalProperties: false },
);
export const WaitQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 120, default: 0, description: 'Seconds to wait for the verdict' }),
    ),
  },
  { additionalProperties: false },
);
export const JobListQuery = Type.Object(
  {
    status: Type.Optional(OneOf(JOB_STATUSES)),
    kind: Type.Optional(OneOf(JOB_KINDS)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const JobView = Type.Object(
  {
    id: Uuid,
    kind: OneOf(JOB_KINDS),
    status: OneOf(JOB_STATUSES),
    verdict: Nullable(VerdictSchema),
    request: Type.Record(Type.String(), Type.Unknown()),
    report: Nullable(JobReport),
    report_hash: Nullable(Type.String({ description: 'SHA-256 of the canonical JSON of report; in the audit log' })),
    bundle_hash: Nullable(Type.String()),
    error_code: Nullable(Type.String()),
    error: Nullable(Type.String()),
    progress: Nullable(
      Type.Object(
        { stage: Type.String(), solver_calls: Type.Integer({ minimum: 0 }) },
        { additionalProperties: false, description: 'While running (then as last stored): the stage and solver calls' },
      ),
    ),
    created_by: Nullable(Uuid),
    created_at: Time,
    started_at: Nullable(Time),
    finished_at: Nullable(Time),
  },
  { $id: 'VerificationJob', additionalProperties: false },
);
export const JobList = PageOf(Type.Ref(JobView));
