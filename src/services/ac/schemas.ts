import { Nullable, PageOf, Sha256Hex, Time, Uuid, OneOf } from '../../platform/http/schemas.js';
import { Type } from '@sinclair/typebox';
import { ROLES } from '../../domain/auth/roles.js';
import { CONDITION_OPERATORS, OBLIGATIONS } from '../../domain/constitution/constraints.js';

const Slug = Type.String({
  pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$',
  minLength: 2,
  maxLength: 80,
  description: 'unique kebab-case key',
});
const RoleSchema = OneOf(ROLES);

export const ConstraintsSchema = Type.Array(Type.Unknown(), {
  maxItems: 50,
  description: 'Machine-readable rules, see docs/constitution.md; checked with errors that name the JSON path',
});

/** The actions and resource types a principle governs. */
export const ScopeSchema = Type.Object(
  {
    actions: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), {
      minItems: 1,
      maxItems: 50,
      uniqueItems: true,
    }),
    resource_types: Type.Array(Type.String({ pattern: '^[A-Z][A-Za-z0-9]*$' }), { maxItems: 50, uniqueItems: true }),
  },
  { additionalProperties: false },
);

const principleFields = {
  title: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.String({ maxLength: 4000 }),
  category: Type.String({
    pattern: '^[a-z][a-z0-9_]*$',
    maxLength: 50,
    description:
      'safety, privacy, security, fairness, transparency, accountability, human_oversight, or a custom snake_case name',
  }),
  priority: Type.Integer({ minimum: 1, maximum: 100 }),
  scope: ScopeSchema,
  normative_statement: Type.String({ minLength: 1, maxLength: 4000 }),
  rationale: Type.String({ maxLength: 4000 }),
  constraints: ConstraintsSchema,
};

export const PrincipleContentSchema = Type.Object({ key: Slug, ...principleFields }, { additionalProperties: false });
export const PrincipleUpdateSchema = Type.Object(
  {
    key: Slug,
    ...principleFields,
    version: Type.Optional(Type.Integer({ minimum: 1, description: 'the version being edited (or send If-Match)' })),
  },
  { additionalProperties: false },
);
export const PrinciplePartialSchema = Type.Partial(Type.Object(principleFields, { additionalProperties: false }), {
  additionalProperties: false,
  minProperties: 1,
});

export const MetaRulesSchema = Type.Object(
  {
    conflict_resolution: Type.Object(
      { strategy: Type.Literal('deny_overrides'), explanation_order: Type.Literal('priority') },
      { additionalProperties: false },
    ),
    amendments: Type.Object(
      {
        quorum: Type.Union([
          Type.Object(
            { kind: Type.Literal('votes'), min: Type.Integer({ minimum: 1, maximum: 10000 }) },
            { additionalProperties: false },
          ),
          Type.Object(
            { kind: Type.Literal('fraction'), fraction: Type.Number({ exclusiveMinimum: 0, maximum: 1 }) },
            { additionalProperties: false },
          ),
        ]),
        approval_threshold: Type.Object(
          { numerator: Type.Integer({ minimum: 1 }), denominator: Type.Integer({ minimum: 1 }) },
          { additionalProperties: false },
        ),
        abstentions_count_toward_quorum: Type.Boolean(),
        voting_period_hours: Type.Integer({ minimum: 1, maximum: 24 * 90 }),
        proposer_roles: Type.Array(RoleSchema, { minItems: 1, uniqueItems: true }),
        voter_roles: Type.Array(RoleSchema, { minItems: 1, uniqueItems: true }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const AmendmentChangeSchema = Type.Union([
  Type.Object(
    { op: Type.Literal('add_principle'), principle: PrincipleContentSchema },
    { additionalProperties: false },
  ),
  Type.Object(
    { op: Type.Literal('modify_principle'), key: Slug, changes: PrinciplePartialSchema },
    { additionalProperties: false },
  ),
  Type.Object({ op: Type.Literal('repeal_principle'), key: Slug }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('change_meta_rules'), meta_rules: MetaRulesSchema }, { additionalProperties: false }),
]);

export const ProposeBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    rationale: Type.String({ minLength: 1, maxLength: 8000 }),
    changes: Type.Array(AmendmentChangeSchema, { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false },
);

export const OpenBody = Type.Object(
  { deadline: Type.Optional(Type.String({ format: 'date-time', description: 'default: now + voting_period_hours' })) },
  { additionalProperties: false },
);
export const VoteBody = Type.Object(
  {
    vote: Type.Union([Type.Literal('for'), Type.Literal('against'), Type.Literal('abstain')]),
    reason: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);
export const CommentBody = Type.Object(
  { body: Type.String({ minLength: 1, maxLength: 8000 }) },
  { additionalProperties: false },
);

export const PrincipleListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('draft'), Type.Literal('active'), Type.Literal('deprecated')])),
    category: Type.Optional(Type.String({ maxLength: 50 })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 80 })),
  },
  { additionalProperties: false },
);

export const AmendmentListQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union(
        ['draft', 'open', 'approved', 'rejected', 'expired', 'withdrawn', 'enacted'].map((status) =>
          Type.Literal(status),
        ),
      ),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const VersionParam = Type.Object({ n: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
export const DiffQuery = Type.Object(
  { from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

// Response schemas.

/** A principle's content as enacted or stored (constraints as given; their shape is checked on the way in). */
const ConditionView = Type.Object(
  {
    attr: Type.String(),
    op: OneOf(CONDITION_OPERATORS),
    value: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Array(Type.String())])),
  },
  { additionalProperties: false },
);

/** A stored constraint: input is checked by the domain (with JSON paths), so what is stored has this shape. */
const ConstraintView = Type.Object(
  {
    effect: OneOf(['forbid', 'permit'] as const),
    actions: Type.Array(Type.String()),
    resource_types: Type.Optional(Type.Array(Type.String())),
    when: Type.Optional(Type.Array(ConditionView)),
    unless: Type.Optional(Type.Array(ConditionView)),
    obligations: Type.Optional(Type.Array(Type.String({ description: OBLIGATIONS.join(', ') }))),
  },
  { additionalProperties: false },
);

export const PrincipleContentView = Type.Object(
  {
    key: Type.String(),
    title: Type.String(),
    description: Type.String(),
    category: Type.String(),
    priority: Type.Integer(),
    scope: Type.Object(
      { actions: Type.Array(Type.String()), resource_types: Type.Array(Type.String()) },
      { additionalProperties: false },
    ),
    normative_statement: Type.String(),
    rationale: Type.String(),
    constraints: Type.Array(ConstraintView),
  },
  { additionalProperties: false },
);

export const PrincipleView = Type.Object(
  {
    id: Uuid,
    ...PrincipleContentView.properties,
    status: Type.Union([Type.Literal('draft'), Type.Literal('active'), Type.Literal('deprecated')]),
    version: Type.Integer({ minimum: 1 }),
    created_by: Nullable(Uuid),
    created_at: Time,
    updated_at: Time,
  },
  { additionalProperties: false },
);

const ConflictWarningView = Type.Object(
  {
    principle_key: Type.String(),
    constraint_index: Type.Integer({ minimum: 0 }),
    conflicts_with: Type.String(),
    other_constraint_index: Type.Integer({ minimum: 0 }),
    reason: Type.String(),
  },
  { additionalProperties: false },
);
const Warnings = Type.Array(ConflictWarningView, { description: 'Structural conflicts with active principles' });

export const PrincipleWithWarningsView = Type.Object(
  { ...PrincipleView.properties, warnings: Warnings },
  { additionalProperties: false },
);
export const PrincipleList = PageOf(PrincipleView);

const VersionSummaryFields = {
  version: Type.Integer({ minimum: 1 }),
  hash: Sha256Hex,
  enacted_at: Time,
  enacted_by: Nullable(Uuid),
  enacted_by_amendment: Nullable(Uuid),
};
export const VersionView = Type.Object(
  { ...VersionSummaryFields, principles: Type.Array(PrincipleContentView), meta_rules: MetaRulesSchema },
  { additionalProperties: false },
);
export const VersionList = Type.Object(
  { items: Type.Array(Type.Object(VersionSummaryFields, { additionalProperties: false })) },
  { additionalProperties: false },
);

const FieldChangeMap = Type.Record(
  Type.String(),
  Type.Object(
    { from: Type.Optional(Type.Unknown()), to: Type.Optional(Type.Unknown()) },
    { additionalProperties: false },
  ),
);
export const DiffView = Type.Object(
  {
    from: Type.Integer({ minimum: 1 }),
    to: Type.Integer({ minimum: 1 }),
    from_hash: Sha256Hex,
    to_hash: Sha256Hex,
    principles: Type.Object(
      {
        added: Type.Array(PrincipleContentView),
        removed: Type.Array(PrincipleContentView),
        modified: Type.Array(
          Type.Object({ key: Type.String(), changes: FieldChangeMap }, { additionalProperties: false }),
        ),
      },
      { additionalProperties: false },
    ),
    meta_rules: FieldChangeMap,
  },
  { additionalProperties: false },
);

const Counts = Type.Object(
  { for: Type.Integer(), against: Type.Integer(), abstain: Type.Integer() },
  { additionalProperties: false },
);
/** A stored change: as proposed, with constraints in the shape the domain checked them into. */
const AmendmentChangeView = Type.Union([
  Type.Object({ op: Type.Literal('add_principle'), principle: PrincipleContentView }, { additionalProperties: false }),
  Type.Object(
    {
      op: Type.Literal('modify_principle'),
      key: Type.String(),
      changes: Type.Partial(Type.Omit(PrincipleContentView, ['key']), { additionalProperties: false }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ op: Type.Literal('repeal_principle'), key: Type.String() }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('change_meta_rules'), meta_rules: MetaRulesSchema }, { additionalProperties: false }),
]);

export const AmendmentView = Type.Object(
  {
    id: Uuid,
    title: Type.String(),
    rationale: Type.String(),
    changes: Type.Array(AmendmentChangeView),
    principle_keys: Type.Array(Type.String()),
    status: Type.Union(
      ['draft', 'open', 'approved', 'rejected', 'expired', 'withdrawn', 'enacted'].map((status) =>
        Type.Literal(status),
      ),
    ),
    proposed_by: Uuid,
    created_at: Time,
    opened_at: Nullable(Time),
    deadline: Nullable(Time),
    closed_at: Nullable(Time),
    council_size: Nullable(Type.Integer({ minimum: 0 })),
    rules: Nullable(MetaRulesSchema.properties.amendments),
    outcome: Nullable(
      Type.Object(
        {
          counts: Counts,
          quorumNeeded: Type.Integer(),
          quorumMet: Type.Boolean(),
          decided: Nullable(Type.String()),
          enactment_error: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    base_version: Nullable(Type.Integer()),
    enacted_version: Nullable(Type.Integer()),
  },
  { additionalProperties: false },
);
export const AmendmentWithWarningsView = Type.Object(
  { ...AmendmentView.properties, warnings: Warnings },
  { additionalProperties: false },
);
export const AmendmentWithVotesView = Type.Object(
  {
    ...AmendmentView.properties,
    votes: Type.Array(
      Type.Object(
        {
          voter_id: Uuid,
          vote: Type.Union([Type.Literal('for'), Type.Literal('against'), Type.Literal('abstain')]),
          reason: Type.String(),
          cast_at: Time,
          updated_at: Time,
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export const AmendmentList = PageOf(AmendmentView);

export const CommentView = Type.Object(
  { id: Uuid, author_id: Uuid, body: Type.String(), created_at: Time },
  { additionalProperties: false },
);
export const CommentList = Type.Object({ items: Type.Array(CommentView) }, { additionalProperties: false });
