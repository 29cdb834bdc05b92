import { STARTER_PRINCIPLES } from '../constitution/starter.js';
import { GOVERNANCE_SCHEMA } from '../policy/governance-schema.js';
import { schemaShape } from '../policy/schema-shape.js';
import { compilePrinciples, policyMap } from './compiler.js';

let compiled: Readonly<Record<string, string>> | null = null;

/** The starter bundle's policies (id → Cedar), compiled from the starter constitution under the governance schema. */
export function starterPolicies(): Readonly<Record<string, string>> {
  return (compiled ??= Object.freeze(policyMap(compilePrinciples(STARTER_PRINCIPLES, schemaShape(GOVERNANCE_SCHEMA)))));
}
