import { Type, type TSchema } from '@sinclair/typebox';

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
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const Time = Type.String({ format: 'date-time' });
export const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });
export const Uuid = Type.String({ format: 'uuid' });
