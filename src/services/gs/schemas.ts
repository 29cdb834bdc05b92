import { Type } from '@sinclair/typebox';
import { Nullable, OneOf, Time, Uuid } from '../../platform/http/schemas.js';
import { PrincipleContentSchema, PrincipleContentView } from '../ac/schemas.js';
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
    verdict: OneOf(['holds', 'violated', 'unsupported', 'inconclusive'] as const),
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
export const RunList = Type.Object(
  { items: Type.Array(RunView), next_cursor: Nullable(Type.String()) },
  { additionalProperties: false },
);

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
