import { ValidationError } from '../errors.js';
import { assertCedarBounded } from './cedar-bounds.js';
import { cedar, policyMetadata } from './cedar.js';

/** Splits Cedar source holding one or more policies into id → text, taking each id from its @id annotation. */
export function policiesFromSource(source: string, origin: string): Record<string, string> {
  assertCedarBounded(source, origin);
  const parts = cedar.policySetTextToParts(source);
  if (parts.type === 'failure')
    throw new ValidationError(`${origin}: ${parts.errors.map((error) => error.message).join('; ')}`, 'INVALID_CEDAR');
  const policies: Record<string, string> = {};
  for (const text of parts.policies) {
    const id = policyMetadata(text).annotations['id'];
    if (id === undefined || id === '')
      throw new ValidationError(`${origin}: every policy needs an @id("…") annotation`, 'POLICY_ID_MISSING');
    if (policies[id] !== undefined)
      throw new ValidationError(`${origin}: policy id "${id}" appears twice`, 'DUPLICATE_POLICY_ID');
    policies[id] = text;
  }
  return policies;
}
