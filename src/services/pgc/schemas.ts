import { Nullable, Sha256Hex, OneOf } from '../../platform/http/schemas.js';
import { Type, type TSchema } from '@sinclair/typebox';
import {
  ACTIONS,
  CONTEXT_ATTRIBUTES,
  CONTEXT_RANGES,
  CONTEXT_VALUES,
  PRINCIPAL_TYPES,
  RESOURCE_TYPES,
} from '../../domain/policy/governance-schema.js';
import { BundlePolicyView } from '../integrity/schemas.js';

const AttributeValue = Type.Union([Type.String({ maxLength: 1000 }), Type.Integer(), Type.Boolean()]);
const entity = (types: readonly string[]) =>
  Type.Object(
    {
      type: OneOf(types),
      id: Type.String({ minLength: 1, maxLength: 256 }),
      attributes: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), AttributeValue)),
    },
    { additionalProperties: false },
  );

const attributeSchema: Record<string, () => TSchema> = {
  set: () => Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 }),
  bool: () => Type.Boolean(),
  long: () => Type.Integer({ minimum: -(2 ** 53), maximum: 2 ** 53 }),
  string: () => Type.String({ maxLength: 1000 }),
};

export const ContextSchema = Type.Object(
  Object.fromEntries(
    Object.entries(CONTEXT_ATTRIBUTES).map(([name, spec]) => {
      const range = CONTEXT_RANGES[name];
      const values = CONTEXT_VALUES[name];
      return [
        name,
        Type.Optional(
          range !== undefined
            ? Type.Integer({ minimum: range.min, maximum: range.max, description: `${range.min}–${range.max}` })
            : values !== undefined
              ? OneOf(values)
              : attributeSchema[spec.type]!(),
        ),
      ];
    }),
  ),
  {
    additionalProperties: false,
    description: 'Governance context; attributes the detectors own can only be made stricter by callers',
  },
);

export const EvaluateBody = Type.Object(
  {
    principal: entity(PRINCIPAL_TYPES),
    action: OneOf(ACTIONS),
    resource: entity(RESOURCE_TYPES),
    context: Type.Optional(ContextSchema),
    content: Type.Optional(Type.String({ description: 'Prompt, tool input or model output to run the detectors on' })),
    session_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: '^[A-Za-z0-9._:-]+$',
        description:
          "The caller's session: decided after its earlier requests, with context.prior_tools and context.prior_findings from them",
      }),
    ),
  },
  { additionalProperties: false },
);

export const BatchBody = Type.Object(
  { requests: Type.Array(EvaluateBody, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

// Response schemas.

const ReasonView = Type.Object(
  {
    policy_id: Nullable(Type.String()),
    effect: Type.Union([Type.Literal('permit'), Type.Literal('forbid')]),
    principles: Type.Array(Type.String()),
    error_code: Type.Optional(
      Type.String({ description: 'When no policy chose this: see docs/errors.md, decision reasons' }),
    ),
    message: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const FindingView = Type.Object(
  {
    detector: OneOf(['pii', 'secrets', 'injection', 'keywords', 'commands']),
    kind: Type.String(),
    start: Type.Integer({ minimum: 0 }),
    end: Type.Integer({ minimum: 0 }),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);

// One object rather than a union per type: the serialiser would run a validator on every obligation to pick a branch.
const ObligationView = Type.Object(
  {
    type: OneOf(['redact', 'require_human_review']),
    spans: Type.Optional(
      Type.Array(
        Type.Object(
          { start: Type.Integer(), end: Type.Integer(), kind: Type.String() },
          { additionalProperties: false },
        ),
        {
          description: 'redact: the spans replaced',
        },
      ),
    ),
    redacted_content: Type.Optional(Type.String({ description: 'redact: the content with the spans replaced' })),
    policy_ids: Type.Optional(
      Type.Array(Type.String(), { description: 'require_human_review: the policies asking for it' }),
    ),
    approval_id: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          'require_human_review: the approval request opened (or still pending) for this request; once granted, the same request is decided with it',
      }),
    ),
  },
  { additionalProperties: false },
);

export const DecisionView = Type.Object(
  {
    decision_id: Type.String({ format: 'uuid' }),
    decision: OneOf(['allow', 'deny']),
    reasons: Type.Array(ReasonView),
    findings: Type.Array(FindingView),
    obligations: Type.Array(ObligationView),
    constitution_hash: Nullable(Sha256Hex),
    bundle_hash: Nullable(Sha256Hex),
    evaluated_at: Type.String({ format: 'date-time' }),
    latency_us: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const BatchView = Type.Object({ results: Type.Array(DecisionView) }, { additionalProperties: false });

const EntityView = Type.Object(
  { type: Type.String(), id: Type.String(), attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  { additionalProperties: false },
);

const TraceId = Type.String({
  pattern: '^[0-9a-f]{32}$',
  description: 'The OpenTelemetry trace the decision was made in (tracing on): 32 lowercase hex digits',
});

export const DecisionRecordView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    created_at: Type.String({ format: 'date-time' }),
    caller_id: Nullable(Type.String({ format: 'uuid' })),
    principal: EntityView,
    action: Type.String(),
    resource: EntityView,
    context: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The context Cedar saw, detector values included',
    }),
    content_digest: Nullable(Sha256Hex),
    content: Nullable(Type.String({ description: 'Only with ACGS_STORE_CONTENT=true' })),
    decision: OneOf(['allow', 'deny']),
    reasons: Type.Array(ReasonView),
    findings: Type.Array(FindingView),
    obligations: Type.Array(ObligationView),
    bundle_hash: Nullable(Sha256Hex),
    constitution_hash: Nullable(Sha256Hex),
    latency_us: Type.Integer({ minimum: 0 }),
    request_id: Nullable(Type.String()),
    approval_id: Nullable(
      Type.String({ format: 'uuid', description: 'The human approval this decision used, when it used one' }),
    ),
    trace_id: Nullable(TraceId),
  },
  { additionalProperties: false },
);

export const RulesView = Type.Object(
  {
    bundle_version: Nullable(Type.Integer({ minimum: 1 })),
    bundle_hash: Nullable(Sha256Hex),
    constitution_hash: Nullable(Sha256Hex),
    policies: Type.Array(BundlePolicyView),
  },
  { additionalProperties: false },
);

const DecisionFilterFields = {
  decision: Type.Optional(OneOf(['allow', 'deny'])),
  action: Type.Optional(OneOf(ACTIONS)),
  principal: Type.Optional(
    Type.String({ minLength: 1, maxLength: 300, description: '`Type::id`, or an id of any principal type' }),
  ),
  policy: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'A policy among the reasons' })),
  principle: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'A principle among the reasons' })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive' })),
  request_id: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'The request that made it (an LLM exchange shares one)' }),
  ),
  trace_id: Type.Optional(TraceId),
};

export const DecisionListQuery = Type.Object(
  {
    ...DecisionFilterFields,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const ExchangeListQuery = Type.Object(
  {
    principal: DecisionFilterFields.principal,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const ModelExchangeView = Type.Object(
  {
    request_id: Type.String(),
    started_at: Type.String({ format: 'date-time' }),
    principal: EntityView,
    model: Type.String({ description: 'The Model the exchange began on: <upstream>/<model> through the LLM gateway' }),
    decisions: Type.Array(
      Type.Object(
        {
          id: Type.String({ format: 'uuid' }),
          created_at: Type.String({ format: 'date-time' }),
          action: Type.String(),
          resource: EntityView,
          decision: OneOf(['allow', 'deny']),
          reasons: Type.Array(ReasonView),
        },
        { additionalProperties: false },
      ),
      { description: 'Every decision the request made, in order: prompt, answer, proposed tool calls' },
    ),
  },
  { additionalProperties: false },
);

export const DecisionStatisticsQuery = Type.Object(
  {
    ...DecisionFilterFields,
    bucket: Type.Optional(OneOf(['minute', 'hour', 'day'])),
  },
  { additionalProperties: false },
);

const Counts = { allow: Type.Integer({ minimum: 0 }), deny: Type.Integer({ minimum: 0 }) };
export const DecisionStatisticsView = Type.Object(
  {
    bucket: OneOf(['minute', 'hour', 'day']),
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
    series: Type.Array(
      Type.Object({ start: Type.String({ format: 'date-time' }), ...Counts }, { additionalProperties: false }),
      { description: 'Buckets with at least one decision, oldest first' },
    ),
    by_action: Type.Array(Type.Object({ action: Type.String(), ...Counts }, { additionalProperties: false })),
    top_denying_principles: Type.Array(
      Type.Object({ principle: Type.String(), deny: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
      { description: 'The ten principles behind the most denials (a denial counts once per principle)' },
    ),
  },
  { additionalProperties: false },
);

export const SimulateBody = Type.Object(
  {
    request: Type.Omit(EvaluateBody, ['session_id'], { additionalProperties: false }),
    candidate: Type.Optional(
      Type.Object(
        {
          add: Type.Array(Type.String({ minLength: 1, maxLength: 100_000 }), {
            maxItems: 50,
            default: [],
            description: 'Cedar sources (with @id); an id already in force replaces that policy',
          }),
          remove: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 500, default: [] }),
        },
        { additionalProperties: false, description: 'Decide with the bundle in force changed by these' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SimulationView = Type.Object(
  {
    decision: OneOf(['allow', 'deny']),
    reasons: Type.Array(ReasonView),
    findings: Type.Array(FindingView),
    obligations: Type.Array(ObligationView),
    context: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The context Cedar saw, detector values included',
    }),
    bundle_hash: Nullable(Sha256Hex),
    constitution_hash: Nullable(Sha256Hex),
    candidate: Type.Boolean({ description: 'Decided with a candidate set, not the bundle in force' }),
    logged: Type.Literal(false, { description: 'A dry run writes no decision and no audit entry' }),
  },
  { additionalProperties: false },
);
