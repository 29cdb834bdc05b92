/**
 * TypeScript type expressions for the JSON Schemas the routes declare (TypeBox output), so a client can be generated
 * from the same schemas the server validates and documents with. Covers the subset the services use; anything else
 * is refused by name rather than printed as `unknown`, so a new construct cannot silently weaken the contract.
 */

type Schema = Readonly<Record<string, unknown>>;

export class UnprintableSchema extends Error {
  constructor(where: string, what: string) {
    super(`${where}: ${what} has no TypeScript rendering here`);
    this.name = 'UnprintableSchema';
  }
}

export interface PrintOptions {
  /** The type name to print for a reference to this `$id`; a reference it does not name is refused. */
  refName: (id: string) => string | undefined;
  /** The type name to print instead of a nested schema equal to a named one, if any. */
  named?: (schema: Schema) => string | undefined;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (name: string) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));
const indent = (text: string) => text.replace(/\n/g, '\n  ');

/** A printed type and whether it needs parentheses to stand in an array or an intersection. */
interface Printed {
  text: string;
  compound: boolean;
}

const atom = (text: string): Printed => ({ text, compound: false });
const operand = (printed: Printed) => (printed.compound ? `(${printed.text})` : printed.text);

/** The type expression of `schema`; `where` names it in errors. */
export function typeScriptOf(schema: Schema, options: PrintOptions, where = '#'): string {
  return printed(schema, options, where).text;
}

function print(schema: Schema, options: PrintOptions, where: string): Printed {
  const name = options.named?.(schema);
  return name === undefined ? printed(schema, options, where) : atom(name);
}

function printed(schema: Schema, options: PrintOptions, where: string): Printed {
  const ref = schema['$ref'];
  if (typeof ref === 'string') {
    const name = options.refName(ref);
    if (name === undefined) throw new UnprintableSchema(where, `the reference ${ref}`);
    return atom(name);
  }
  if ('const' in schema) return atom(JSON.stringify(schema['const']));
  if (Array.isArray(schema['enum'])) return union((schema['enum'] as unknown[]).map((v) => atom(JSON.stringify(v))));
  const anyOf = schema['anyOf'] ?? schema['oneOf'];
  if (Array.isArray(anyOf))
    return union((anyOf as Schema[]).map((member, index) => print(member, options, `${where}/anyOf/${index}`)));
  if (Array.isArray(schema['allOf'])) {
    const members = (schema['allOf'] as Schema[]).map((member, index) =>
      operand(print(member, options, `${where}/allOf/${index}`)),
    );
    return { text: members.join(' & '), compound: members.length > 1 };
  }
  const type = schema['type'];
  if (Array.isArray(type)) return union(type.map((one) => printed({ ...schema, type: one as string }, options, where)));
  switch (type) {
    case undefined:
      return atom('unknown');
    case 'string':
      return atom('string');
    case 'integer':
    case 'number':
      return atom('number');
    case 'boolean':
      return atom('boolean');
    case 'null':
      return atom('null');
    case 'array': {
      const items = schema['items'];
      if (typeof items !== 'object' || items === null) throw new UnprintableSchema(where, 'an array without items');
      return atom(`${operand(print(items as Schema, options, `${where}/items`))}[]`);
    }
    case 'object':
      return objectType(schema, options, where);
    default:
      throw new UnprintableSchema(where, `the type ${JSON.stringify(type)}`);
  }
}

function objectType(schema: Schema, options: PrintOptions, where: string): Printed {
  const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
  const required = new Set((schema['required'] ?? []) as string[]);
  const lines = Object.entries(properties).map(([name, property]) => {
    const type = print(property, options, `${where}/properties/${name}`).text;
    return `${key(name)}${required.has(name) ? '' : '?'}: ${indent(type)};`;
  });
  const patterns = schema['patternProperties'] as Record<string, Schema> | undefined;
  const additional = schema['additionalProperties'];
  const rest =
    patterns !== undefined
      ? union(
          Object.entries(patterns).map(([pattern, value]) =>
            print(value, options, `${where}/patternProperties/${pattern}`),
          ),
        ).text
      : typeof additional === 'object' && additional !== null
        ? print(additional as Schema, options, `${where}/additionalProperties`).text
        : null;
  if (lines.length === 0) return atom(rest === null ? 'Record<string, never>' : `Record<string, ${rest}>`);
  if (rest !== null) lines.push(`[key: string]: ${rest} | undefined;`);
  return atom(`{\n  ${lines.join('\n  ')}\n}`);
}

function union(members: Printed[]): Printed {
  const distinct = [...new Map(members.map((member) => [member.text, member])).values()];
  if (distinct.length === 1) return distinct[0]!;
  // An intersection binds tighter than a union, so only a nested union would need parentheses: flatten instead.
  return { text: distinct.map((member) => member.text).join(' | '), compound: true };
}
