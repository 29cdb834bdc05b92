import { Type } from '@sinclair/typebox';

/** Request schemas of the integrity service's routes; PGC's rule submission takes a policy body too. */
export const PolicyBody = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      maxLength: 64 * 1024,
      description: 'One Cedar policy with @id("…") and @principle("key")',
    }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);
export const PolicyIdParam = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' }) },
  { additionalProperties: false },
);
export const BundleVersionParam = Type.Object(
  { version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export const BundleQuery = Type.Object(
  {
    since_tree_size: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Size of the last signed tree head you accepted: the log proof then carries a consistency proof from it',
      }),
    ),
  },
  { additionalProperties: false },
);
export const ListQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union(
        ['draft', 'verified', 'approved', 'active', 'superseded', 'revoked'].map((status) => Type.Literal(status)),
      ),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);
