import fc from 'fast-check';

/** The subset of JSON Schema (as OpenAPI 3.1 documents carry it) that our routes use. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  patternProperties?: Record<string, JsonSchema>;
  $ref?: string;
  default?: unknown;
}

/** Replaces every `#/components/schemas/X` reference by the schema it names (our documents have no cycles). */
export function dereference(schema: unknown, components: Record<string, unknown>, depth = 0): JsonSchema {
  if (depth > 20 || typeof schema !== 'object' || schema === null) return schema as JsonSchema;
  if (Array.isArray(schema))
    return schema.map((item) => dereference(item, components, depth + 1)) as unknown as JsonSchema;
  const record = schema as Record<string, unknown>;
  if (typeof record['$ref'] === 'string') {
    const name = record['$ref'].split('/').pop()!;
    return dereference(components[name], components, depth + 1);
  }
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [
      key,
      typeof value === 'object' ? dereference(value, components, depth + 1) : value,
    ]),
  ) as JsonSchema;
}

// Generated strings stay short: the fuzz is about shapes and edges, and long values are an invalid case of their own.
const MAX_GENERATED_LENGTH = 40;

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date-time')
    return fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((date) => date.toISOString());
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.pattern !== undefined) {
    try {
      const pattern = new RegExp(schema.pattern);
      return fc
        .stringMatching(pattern)
        .filter((text) => text.length >= (schema.minLength ?? 0) && text.length <= (schema.maxLength ?? Infinity));
    } catch {
      // A pattern fast-check cannot invert: plain strings, which the route may refuse.
    }
  }
  const minLength = schema.minLength ?? 0;
  return fc.string({
    unit: 'grapheme',
    minLength,
    maxLength: Math.max(minLength, Math.min(schema.maxLength ?? MAX_GENERATED_LENGTH, MAX_GENERATED_LENGTH)),
  });
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min =
    schema.minimum ??
    (schema.exclusiveMinimum !== undefined
      ? schema.exclusiveMinimum + (integer ? 1 : 1e-9)
      : integer
        ? -1_000_000
        : -1e9);
  const max =
    schema.maximum ??
    (schema.exclusiveMaximum !== undefined
      ? schema.exclusiveMaximum - (integer ? 1 : 1e-9)
      : integer
        ? 1_000_000
        : 1e9);
  return integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** Values valid against the schema (as far as this subset goes). */
export function validValue(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  if (schema === undefined || Object.keys(schema).length === 0) return fc.jsonValue({ maxDepth: 2 });
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined) return fc.oneof(...alternatives.map(validValue));
  if (schema.allOf !== undefined) return validValue(Object.assign({}, ...schema.allOf) as JsonSchema);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return numberArbitrary(schema, true);
    case 'number':
      return numberArbitrary(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validValue(schema.items), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, Math.max(schema.minItems ?? 0, 4)),
      });
    case 'object':
    case undefined: {
      if (schema.properties === undefined)
        return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
      const required = new Set(schema.required ?? []);
      const properties = Object.fromEntries(
        Object.entries(schema.properties).map(([key, value]) => [key, validValue(value)]),
      );
      return fc.record(properties, { requiredKeys: Object.keys(properties).filter((key) => required.has(key)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

const HOSTILE_STRINGS = [
  'a\u0000b',
  '\ud800',
  '\udfff x',
  "'; DROP TABLE users; --",
  '../../etc/passwd',
  '%00',
  '\u202e',
  'x'.repeat(70_000),
  '',
  ' ',
  // Lookalikes of catalogued tool names: case, spacing, doubled dots, invisible and compatibility characters.
  'fs.WRITE_FILE',
  'fs.write_file ',
  'fs..write_file',
  'fs.write_file\u200b',
  'ｆｓ.ｗｒｉｔｅ_ｆｉｌｅ',
  'fs.write\u00adfile',
];

/** Strings that are valid UTF-16 but hostile in other ways: what a fuzzer tries first. */
export const hostileString = fc.constantFrom(...HOSTILE_STRINGS);

/** A value of the wrong type for the schema. */
function wrongType(schema: JsonSchema): fc.Arbitrary<unknown> {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const others: unknown[] = [null, true, 2 ** 64, -1, 1.5, 'text', [], {}, [1, 'two']];
  return fc.constantFrom(
    ...others.filter((value) =>
      type === 'string'
        ? typeof value !== 'string'
        : type === 'array'
          ? !Array.isArray(value)
          : type === 'object'
            ? typeof value !== 'object' || Array.isArray(value) || value === null
            : true,
    ),
  );
}

/**
 * Values that break the schema in one place: a hostile or over-long string, a number beyond its bounds, the wrong
 * type, a required property dropped, an unknown property added — or, at the top, something that is not an object.
 */
export function invalidValue(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  if (schema === undefined) return fc.oneof(hostileString, fc.jsonValue({ maxDepth: 3 }));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const options: fc.Arbitrary<unknown>[] = [wrongType(schema)];
  if (type === 'string') {
    options.push(hostileString);
    if (schema.maxLength !== undefined) options.push(fc.constant('y'.repeat(schema.maxLength + 1)));
  }
  if ((type === 'integer' || type === 'number') && schema.maximum !== undefined)
    options.push(fc.constant(schema.maximum + 1));
  if ((type === 'integer' || type === 'number') && schema.minimum !== undefined)
    options.push(fc.constant(schema.minimum - 1));
  if (type === 'object' && schema.properties !== undefined) {
    const keys = Object.keys(schema.properties);
    const base = validValue(schema) as fc.Arbitrary<Record<string, unknown>>;
    for (const key of schema.required ?? [])
      options.push(base.map((value) => Object.fromEntries(Object.entries(value).filter(([name]) => name !== key))));
    options.push(base.map((value) => ({ ...value, unexpected_field: 1 })));
    if (keys.length > 0) {
      options.push(
        fc
          .tuple(base, fc.constantFrom(...keys))
          .chain(([value, key]) => invalidValue(schema.properties![key]).map((bad) => ({ ...value, [key]: bad }))),
      );
    }
  }
  if (type === 'array' && schema.items !== undefined)
    options.push(fc.array(invalidValue(schema.items), { minLength: 1, maxLength: 3 }));
  return fc.oneof(...options);
}
