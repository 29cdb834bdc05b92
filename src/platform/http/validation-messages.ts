import type { ErrorObject } from 'ajv';

/** A JSON Pointer into the part of the request that failed: `/body/principle/category`, `/querystring/limit`. */
const pointerOf = (context: string, instancePath: string, property?: string) =>
  `/${context}${instancePath}${property === undefined ? '' : `/${property.replaceAll('~', '~0').replaceAll('/', '~1')}`}`;

const list = (values: readonly unknown[]) => values.map((value) => JSON.stringify(value)).join(', ');

/**
 * Schema validation errors in words a person can act on, one format for every service: the JSON Pointer of the
 * offending property, and what would be accepted there — the allowed values of an enumeration, the properties an
 * object takes, the missing required field.
 */
export function describeValidation(errors: readonly ErrorObject[], context = 'body'): string {
  const messages: string[] = [];
  // Ajv reports a union's branch failures before the union's own error: they are answered with the union.
  const consumed = new Set<ErrorObject>(
    errors.flatMap((union) =>
      union.keyword === 'anyOf' || union.keyword === 'oneOf'
        ? errors.filter((other) => other.schemaPath.startsWith(`${union.schemaPath}/`))
        : [],
    ),
  );
  for (const error of errors) {
    if (consumed.has(error)) continue;
    const at = pointerOf(context, error.instancePath);
    switch (error.keyword) {
      case 'anyOf':
      case 'oneOf': {
        const branchErrors = errors.filter((other) => other.schemaPath.startsWith(`${error.schemaPath}/`));
        messages.push(describeUnion(error, branchErrors, context));
        break;
      }
      case 'const':
        messages.push(`${at}: must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`);
        break;
      case 'enum':
        messages.push(`${at}: must be one of ${list((error.params as { allowedValues: unknown[] }).allowedValues)}`);
        break;
      case 'required':
        messages.push(
          `${at}: missing required property "${(error.params as { missingProperty: string }).missingProperty}"`,
        );
        break;
      case 'additionalProperties': {
        const name = (error.params as { additionalProperty: string }).additionalProperty;
        const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
        messages.push(
          `${pointerOf(context, error.instancePath, name)}: unknown property${allowed.length > 0 ? ` (allowed here: ${allowed.join(', ')})` : ''}`,
        );
        break;
      }
      default:
        messages.push(`${at}: ${error.message ?? error.keyword}`);
    }
  }
  return messages.join('; ');
}

interface BranchSchema {
  const?: unknown;
  properties?: Record<string, { const?: unknown }>;
}

/**
 * A union that matched no branch. A union of literals (our enumerations) is answered with its allowed values; a union
 * of shapes told apart by a tag (an amendment change's `op`) with the tags allowed when the tag is unknown, else with
 * what is wrong in the one branch the tag names.
 */
function describeUnion(error: ErrorObject, branchErrors: readonly ErrorObject[], context: string): string {
  const at = pointerOf(context, error.instancePath);
  const branches = ((error.parentSchema as Record<string, unknown> | undefined)?.[error.keyword] ??
    []) as BranchSchema[];
  if (branches.length > 0 && branches.every((branch) => 'const' in branch))
    return `${at}: must be one of ${list(branches.map((branch) => branch.const))}`;
  const tag =
    branches.length === 0
      ? undefined
      : Object.keys(branches[0]!.properties ?? {}).find((name) =>
          branches.every((branch) => branch.properties?.[name]?.const !== undefined),
        );
  if (tag === undefined) return `${at}: ${error.message ?? 'matches none of the allowed shapes'}`;
  const given = (error.data as Record<string, unknown> | null | undefined)?.[tag];
  const chosen = branches.findIndex((branch) => branch.properties![tag]!.const === given);
  if (chosen < 0)
    return `${pointerOf(context, error.instancePath, tag)}: must be one of ${list(branches.map((branch) => branch.properties![tag]!.const))}`;
  const own = branchErrors.filter((other) => other.schemaPath.startsWith(`${error.schemaPath}/${chosen}/`));
  return own.length === 0 ? `${at}: ${error.message ?? 'invalid'}` : describeValidation(own, context);
}
