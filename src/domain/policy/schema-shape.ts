import { cedar } from './cedar.js';

/** The attribute types the verifier can reason about exactly; anything else in a schema is left unmodelled. */
export type AttributeType = 'Bool' | 'Long' | 'String' | 'Set<String>';

export interface AttributeShape {
  type: AttributeType;
  required: boolean;
}

/** What a Cedar schema says a request can be: the verifier's universe of requests. */
export interface SchemaShape {
  entityTypes: string[];
  attributes: Record<string, Record<string, AttributeShape>>;
  actions: { id: string; principalTypes: string[]; resourceTypes: string[] }[];
  context: Record<string, AttributeShape>;
  /**
   * Whether the shape is the whole schema: every attribute of a modelled type, no record open to other attributes,
   * no action in a group. Only then can a request be checked against the shape alone, as Cedar would check it.
   */
  complete: boolean;
}

interface JsonType {
  type: string;
  name?: string;
  element?: JsonType;
  attributes?: Record<string, JsonType & { required?: boolean }>;
  required?: boolean;
  additionalAttributes?: boolean;
}

interface JsonNamespace {
  commonTypes?: Record<string, JsonType>;
  entityTypes: Record<string, { shape?: JsonType }>;
  actions: Record<
    string,
    { memberOf?: unknown[]; appliesTo?: { principalTypes?: string[]; resourceTypes?: string[]; context?: JsonType } }
  >;
}

function attributeType(type: JsonType): AttributeType | null {
  const name = type.type === 'EntityOrCommon' ? type.name : type.type;
  if (name === 'Bool' || name === 'Boolean') return 'Bool';
  if (name === 'Long') return 'Long';
  if (name === 'String') return 'String';
  if (type.type === 'Set' && type.element !== undefined && attributeType(type.element) === 'String')
    return 'Set<String>';
  return null;
}

// A common type is referenced as {type: "EntityOrCommon", name} or, in contexts, as {type: "<Name>"}.
function resolve(record: JsonType | undefined, common: Record<string, JsonType>): JsonType | undefined {
  const name = record?.type === 'EntityOrCommon' ? record.name : record?.type;
  return name !== undefined && common[name] !== undefined ? common[name] : record;
}

/** Whether the shape read from this record is all of it: every attribute modelled, no others allowed. */
function wholly(record: JsonType | undefined, common: Record<string, JsonType>): boolean {
  const resolved = resolve(record, common);
  return (
    resolved?.additionalAttributes !== true &&
    Object.values(resolved?.attributes ?? {}).every((attribute) => attributeType(attribute) !== null)
  );
}

function shapeOf(record: JsonType | undefined, common: Record<string, JsonType>): Record<string, AttributeShape> {
  const resolved = resolve(record, common);
  const shapes: Record<string, AttributeShape> = {};
  for (const [name, attribute] of Object.entries(resolved?.attributes ?? {})) {
    const type = attributeType(attribute);
    if (type !== null) shapes[name] = { type, required: attribute.required !== false };
  }
  return shapes;
}

/**
 * Reads a Cedar schema (one namespace, the empty one) into the shape the encoder needs. Attributes of other types
 * (records, entity references, sets of non-strings) are not modelled, so a policy that reads one is `unsupported`.
 */
export function schemaShape(schemaText: string): SchemaShape {
  let shape = shapes.get(schemaText);
  if (shape === undefined) {
    shape = readShape(schemaText);
    shapes.set(schemaText, shape);
  }
  return shape;
}

// A process sees a handful of schema texts (one per schema version); reading one costs a cedar-wasm call.
const shapes = new Map<string, SchemaShape>();

function readShape(schemaText: string): SchemaShape {
  const answer = cedar.schemaToJson(schemaText);
  if (answer.type === 'failure') throw new Error(answer.errors.map((error) => error.message).join('; '));
  const namespaces = answer.json as unknown as Record<string, JsonNamespace>;
  const namespace = namespaces[''];
  if (namespace === undefined || Object.keys(namespaces).length !== 1)
    throw new Error('the verifier models schemas with one, unnamed namespace');
  const common = namespace.commonTypes ?? {};
  const entityTypes = Object.keys(namespace.entityTypes).sort();
  const attributes = Object.fromEntries(
    entityTypes.map((type) => [type, shapeOf(namespace.entityTypes[type]!.shape, common)]),
  );
  const contexts = Object.values(namespace.actions).map((action) => shapeOf(action.appliesTo?.context, common));
  // One context shape for all actions keeps one symbolic context; schemas that differ per action are refused.
  const context = contexts[0] ?? {};
  if (contexts.some((shape) => JSON.stringify(shape) !== JSON.stringify(context)))
    throw new Error('the verifier models schemas whose actions share one context type');
  return {
    entityTypes,
    attributes,
    actions: Object.entries(namespace.actions)
      .map(([id, action]) => ({
        id,
        principalTypes: [...(action.appliesTo?.principalTypes ?? [])].sort(),
        resourceTypes: [...(action.appliesTo?.resourceTypes ?? [])].sort(),
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    context,
    complete:
      entityTypes.every((type) => wholly(namespace.entityTypes[type]!.shape, common)) &&
      Object.values(namespace.actions).every(
        (action) => (action.memberOf ?? []).length === 0 && wholly(action.appliesTo?.context, common),
      ),
  };
}
