import { Type, type TNull, type TSchema, type TUnion } from '@sinclair/typebox';
import { VERDICTS } from '../../domain/verify/verdict.js';

export const ErrorBody = Type.Object(
  {
    detail: Type.String(),
    error_code: Type.String(),
    timestamp: Type.String({ format: 'date-time' }),
    request_id: Type.String(),
  },
  { $id: 'ErrorBody', description: 'The shape of every error response' },
);

/** Standard error responses, added to each route's schema so the docs show them. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, Type.Ref(ErrorBody)]));
}

export const UuidParam = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

/** Building blocks of response schemas. */
/**
 * `T | null`. A scalar schema becomes one schema with two types (`type: ["string", "null"]`) rather than an anyOf:
 * the serialiser picks an anyOf branch by running a validator on every value, which costs the decision API ~15 %.
 */
export const Nullable = <T extends TSchema>(schema: T): TUnion<[T, TNull]> =>
  (typeof schema['type'] === 'string' && schema['type'] !== 'object' && schema['type'] !== 'array'
    ? Type.Unsafe({ ...schema, type: [schema['type'], 'null'] })
    : Type.Union([schema, Type.Null()])) as TUnion<[T, TNull]>;
export const Time = Type.String({ format: 'date-time' });
/** One of these strings: the schema of an enumeration, typed as the union of its values. */
export const OneOf = <T extends string>(values: readonly T[], options: { description?: string } = {}) =>
  Type.Union(
    values.map((value) => Type.Literal(value)),
    options,
  );
/** A verifier's answer, in every report and job that carries one. */
export const VerdictSchema = OneOf(VERDICTS);
export const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });
export const Uuid = Type.String({ format: 'uuid' });

const EntitySchema = Type.Object(
  { type: Type.String(), id: Type.String(), attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  { additionalProperties: false },
);
/** A concrete request as the verifier and synthesis show it (a counterexample, an example). */
export const ConcreteRequest = Type.Object(
  {
    principal: EntitySchema,
    action: Type.String(),
    resource: EntitySchema,
    context: Type.Record(Type.String(), Type.Unknown()),
  },
  {
    additionalProperties: false,
    description: 'A concrete request (Longs within ±(2^53−1)), as POST /api/v1/enforcement/evaluate takes it',
  },
);

/** A page of a keyset-paginated list: `{items, next_cursor}` (docs/architecture.md). */
export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), next_cursor: Nullable(Type.String()) }, { additionalProperties: false });
