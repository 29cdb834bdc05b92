import { Type } from '@sinclair/typebox';
import { ROLES } from '../../domain/auth/roles.js';

const Slug = Type.String({
  pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$',
  minLength: 2,
  maxLength: 80,
  description: 'unique kebab-case key',
});
const RoleSchema = Type.Union(ROLES.map((role) => Type.Literal(role)));

export const ConstraintsSchema = Type.Array(Type.Unknown(), {
  maxItems: 50,
  description: 'Machine-readable rules, see docs/constitution.md; checked with errors that name the JSON path',
});

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
  scope: Type.Object(
    {
      actions: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), {
        minItems: 1,
        maxItems: 50,
        uniqueItems: true,
      }),
      resource_types: Type.Array(Type.String({ pattern: '^[A-Z][A-Za-z0-9]*$' }), { maxItems: 50, uniqueItems: true }),
    },
    { additionalProperties: false },
  ),
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
