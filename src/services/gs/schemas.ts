import { Type } from '@sinclair/typebox';
import { ConcreteRequest, Nullable, OneOf, PageOf, Time, Uuid, VerdictSchema } from '../../platform/http/schemas.js';
import { PrincipleContentSchema, PrincipleContentView, ScopeSchema } from '../ac/schemas.js';
import { PROMPT_STRATEGIES } from '../../domain/synthesis/strategies.js';
import { ENGINES, RUN_STATUSES } from './run-store.js';

export const SynthesizePolicyBody = Type.Object(
  {
    principle_ids: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 80 }), {
        minItems: 1,
        maxItems: 50,
        uniqueItems: true,
        description: 'Keys (or ids) of principles of the constitution in force',
      }),
    ),
    principle: Type.Optional({
      ...PrincipleContentSchema,
      description: 'A principle not (yet) in the constitution, e.g. one an amendment proposes',
    }),
    engine: Type.Optional(
      OneOf(ENGINES, {
        description:
          'compiler (default): exact by construction; llm: the configured model, kept only once verified (compiles, and says so, when no LLM is configured)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const SynthesizeConstitutionBody = Type.Object(
  { version: Type.Optional(Type.Integer({ minimum: 1, description: 'A constitution version (default: in force)' })) },
  { additionalProperties: false },
);

const PolicyText = Type.Object({ id: Type.String(), text: Type.String() }, { additionalProperties: false });

export const ConstitutionDraftView = Type.Object(
  {
    constitution_version: Type.Integer(),
    constitution_hash: Type.String(),
    policies: Type.Array(PolicyText),
    compile_ms: Type.Number(),
    verdict: VerdictSchema,
    conformance: Type.Unknown({ description: 'The conformance report with translation validation (see fv)' }),
  },
  { additionalProperties: false },
);

export const RunListQuery = Type.Object(
  {
    status: Type.Optional(OneOf(RUN_STATUSES)),
    engine: Type.Optional(OneOf(ENGINES)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const AttemptView = Type.Object(
  {
    principle_key: Type.String(),
    attempt: Type.Integer(),
    prompt_hash: Type.String(),
    model: Type.String(),
    temperature: Type.Number(),
    seed: Nullable(Type.Integer()),
    prompt_tokens: Type.Integer(),
    completion_tokens: Type.Integer(),
    latency_ms: Type.Integer(),
    output: Type.String(),
    diagnostics: Type.Array(Type.Unknown()),
    verdict: OneOf(['verified', 'invalid', 'rejected', 'inconclusive', 'model_error'] as const),
    strategy: OneOf(PROMPT_STRATEGIES),
    created_at: Time,
  },
  { additionalProperties: false },
);

const runFields = {
  id: Uuid,
  engine: OneOf(ENGINES),
  status: OneOf(RUN_STATUSES),
  principle_keys: Type.Array(Type.String()),
  principles: Type.Array(PrincipleContentView),
  constitution_version: Nullable(Type.Integer()),
  constitution_hash: Nullable(Type.String()),
  amendment_id: Nullable(Uuid),
  triggered_by_version: Nullable(Type.Integer()),
  reason: Nullable(Type.String()),
  report: Nullable(Type.Record(Type.String(), Type.Unknown())),
  policies: Type.Array(
    Type.Object({ policy_id: Type.String(), version: Type.Integer() }, { additionalProperties: false }),
  ),
  revocations_proposed: Type.Array(Type.String(), {
    description:
      'Active policies the change set takes out of force (a repealed principle’s, or ones the new set no longer has)',
  }),
  change_set_id: Nullable(
    Type.Integer({
      minimum: 1,
      description:
        'The change set the run proposed (GET /api/v1/change-sets/{id}); approving and activating it puts the run in force',
    }),
  ),
  created_by: Nullable(Uuid),
  created_at: Time,
  started_at: Nullable(Time),
  finished_at: Nullable(Time),
};

export const RunView = Type.Object(runFields, { additionalProperties: false });
export const RunWithAttemptsView = Type.Object(
  { ...runFields, attempts: Type.Array(AttemptView) },
  { additionalProperties: false },
);
export const RunList = PageOf(RunView);

export const StrategyList = Type.Object(
  {
    selection: Type.String(),
    items: Type.Array(
      Type.Object(
        {
          strategy: OneOf(PROMPT_STRATEGIES),
          trials: Type.Integer({ description: 'First replies received with this strategy' }),
          first_attempt_valid: Type.Integer({ description: 'Of those, replies that parsed and validated' }),
          first_attempt_verified: Type.Integer({
            description: 'Of those, replies kept: verified on the first attempt',
          }),
          posterior_mean: Type.Number({ description: 'Beta(1 + verified, 1 + not verified) mean' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SpecificationBody = Type.Object(
  {
    amendment_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'Draft for a principle this amendment adds or modifies' }),
    ),
    principle_key: Type.String({ pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', minLength: 2, maxLength: 80 }),
    text: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 8000,
        description: 'The principle in words (default: from the amendment)',
      }),
    ),
    scope: Type.Optional({ ...ScopeSchema, description: 'Default: the principle’s scope in the amendment' }),
  },
  { additionalProperties: false },
);

export const SpecificationView = Type.Object(
  {
    id: Uuid,
    amendment_id: Nullable(Uuid),
    principle_key: Type.String(),
    text: Type.String(),
    scope: ScopeSchema,
    status: OneOf(['drafted', 'failed'] as const),
    reason: Nullable(Type.String()),
    constraints: Nullable(Type.Array(Type.Unknown())),
    examples: Nullable(
      Type.Array(
        Type.Object(
          {
            constraint: Type.Integer(),
            covered_decision: OneOf(['deny', 'allow'] as const),
            covered: Nullable(ConcreteRequest),
            not_covered: Nullable(ConcreteRequest),
            detail: Nullable(Type.String()),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    attempts: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    created_by: Nullable(Uuid),
    created_at: Time,
    amendment_change: Nullable(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'The change to propose so the council votes on these constraints (an amendment is not edited once proposed)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const SpecificationListQuery = Type.Object(
  {
    amendment_id: Type.Optional(Type.String({ format: 'uuid' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
export const SpecificationList = Type.Object({ items: Type.Array(SpecificationView) }, { additionalProperties: false });

const TemplateId = Type.String({ pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', minLength: 2, maxLength: 80 });
const SlotParameter = Type.Object(
  {
    entity_types: Type.Array(Type.String({ pattern: '^[A-Z][A-Za-z0-9]*$' }), {
      minItems: 1,
      maxItems: 20,
      uniqueItems: true,
      description: 'The entity types a link may put in this slot',
    }),
  },
  { additionalProperties: false },
);
const TemplateParametersSchema = Type.Object(
  { principal: Type.Optional(SlotParameter), resource: Type.Optional(SlotParameter) },
  { additionalProperties: false, description: 'One entry per slot the template uses (?principal, ?resource)' },
);
const templateFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 4000 })),
  source: Type.String({ minLength: 1, maxLength: 65_536, description: 'One Cedar template' }),
  parameters: TemplateParametersSchema,
};
export const TemplateBody = Type.Object({ id: TemplateId, ...templateFields }, { additionalProperties: false });
export const TemplateUpdateBody = Type.Object(templateFields, { additionalProperties: false });
export const TemplateIdParam = Type.Object({ id: TemplateId }, { additionalProperties: false });
export const TemplateListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 80 })),
  },
  { additionalProperties: false },
);
export const TemplateView = Type.Object(
  {
    id: Type.String(),
    version: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    source: Type.String(),
    parameters: TemplateParametersSchema,
    created_by: Nullable(Uuid),
    created_at: Time,
    updated_at: Time,
    links: Type.Array(
      Type.Object(
        {
          policy_id: Type.String(),
          template_version: Type.Integer(),
          slot_values: Type.Record(Type.String(), Type.Unknown()),
          created_at: Time,
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export const TemplateList = PageOf(TemplateView);
const EntityUidSchema = Type.Object(
  { type: Type.String({ pattern: '^[A-Z][A-Za-z0-9]*$' }), id: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export const InstantiateBody = Type.Object(
  {
    policy_id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' }),
    principal: Type.Optional(EntityUidSchema),
    resource: Type.Optional(EntityUidSchema),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);
