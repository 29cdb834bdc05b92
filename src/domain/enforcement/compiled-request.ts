import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import { CedarRecord, CedarSet, EntityUid, type CedarValue, type CompiledRequest } from '../policy/compiled-policy.js';
import type { AttributeShape, SchemaShape } from '../policy/schema-shape.js';
import type { EngineRequest, EntityRef } from './engine-request.js';

const MAX_LONG = 2 ** 63;

/** A JSON value as Cedar reads it where the schema says `type`, or null where Cedar would refuse it. */
function conforming(value: CedarValueJson, shape: AttributeShape): CedarValue | null {
  switch (shape.type) {
    case 'Bool':
      return typeof value === 'boolean' ? value : null;
    case 'String':
      return typeof value === 'string' ? value : null;
    case 'Long':
      if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) >= MAX_LONG) return null;
      return Number.isSafeInteger(value) ? value : BigInt(value);
    case 'Set<String>':
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? new CedarSet(value) : null;
  }
}

/**
 * Attributes checked against their declared shape as Cedar's request validation checks them: each one declared and
 * of its type, every required one present. Null when any is not (Cedar then decides, and refuses, the request).
 */
function record(
  attributes: Record<string, CedarValueJson>,
  declared: Record<string, AttributeShape> | undefined,
): CedarRecord | null {
  if (declared === undefined) return null;
  const values = new Map<string, CedarValue>();
  for (const [name, value] of Object.entries(attributes)) {
    const shape = declared[name];
    const read = shape === undefined ? null : conforming(value, shape);
    if (read === null) return null;
    values.set(name, read);
  }
  for (const [name, shape] of Object.entries(declared)) if (shape.required && !values.has(name)) return null;
  return new CedarRecord(values);
}

/**
 * The request as compiled policies read it, or null where it might not be one Cedar accepts under this schema (an
 * action it does not declare, types it does not apply to, an attribute undeclared, mistyped or missing): those go
 * to cedar-wasm, which decides them or says why not. Only a complete shape can answer for the schema. `context` and
 * `attributesOf` give what Cedar is handed: the attributes the bundle's schema knows.
 */
export function compiledRequest(
  request: EngineRequest,
  context: Record<string, CedarValueJson>,
  shape: SchemaShape,
  attributesOf: (ref: EntityRef) => Record<string, CedarValueJson>,
): CompiledRequest | null {
  if (!shape.complete) return null;
  const action = shape.actions.find((candidate) => candidate.id === request.action);
  if (
    action === undefined ||
    !action.principalTypes.includes(request.principal.type) ||
    !action.resourceTypes.includes(request.resource.type)
  )
    return null;
  const contextRecord = record(context, shape.context);
  const principal = record(attributesOf(request.principal), shape.attributes[request.principal.type]);
  const resource = record(attributesOf(request.resource), shape.attributes[request.resource.type]);
  if (contextRecord === null || principal === null || resource === null) return null;
  const principalUid = new EntityUid(request.principal.type, request.principal.id);
  const resourceUid = new EntityUid(request.resource.type, request.resource.id);
  // Two entities with one uid is a request Cedar refuses.
  if (principalUid.key === resourceUid.key) return null;
  return {
    principal: principalUid,
    action: new EntityUid('Action', request.action),
    resource: resourceUid,
    context: contextRecord,
    entities: new Map([
      [principalUid.key, principal],
      [resourceUid.key, resource],
    ]),
  };
}
