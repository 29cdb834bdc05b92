import { Type, type TSchema } from '@sinclair/typebox';
import { ACTIONS, CONTEXT_ATTRIBUTES, PRINCIPAL_TYPES, RESOURCE_TYPES } from '../../domain/policy/governance-schema.js';

const literals = (values: readonly string[]) => Type.Union(values.map((value) => Type.Literal(value)));
const AttributeValue = Type.Union([Type.String({ maxLength: 1000 }), Type.Integer(), Type.Boolean()]);
const entity = (types: readonly string[]) =>
  Type.Object(
    {
      type: literals(types),
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
    Object.entries(CONTEXT_ATTRIBUTES).map(([name, spec]) => [name, Type.Optional(attributeSchema[spec.type]!())]),
  ),
  {
    additionalProperties: false,
    description: 'Governance context; attributes the detectors own can only be made stricter by callers',
  },
);

export const EvaluateBody = Type.Object(
  {
    principal: entity(PRINCIPAL_TYPES),
    action: literals(ACTIONS),
    resource: entity(RESOURCE_TYPES),
    context: Type.Optional(ContextSchema),
    content: Type.Optional(Type.String({ description: 'Prompt, tool input or model output to run the detectors on' })),
  },
  { additionalProperties: false },
);

export const BatchBody = Type.Object(
  { requests: Type.Array(EvaluateBody, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
