import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Bundle } from '../policy/bundle.js';
import { cedar } from '../policy/cedar.js';
import { schemaShape, type AttributeShape, type SchemaShape } from '../policy/schema-shape.js';
import { seededRandom } from '../seeded-random.js';
import { PolicyEngine, sameResult, type EngineRequest, type EngineResult } from './engine.js';

/** The literals a bundle's policies compare with: the values worth generating requests around. */
interface Literals {
  strings: string[];
  longs: number[];
  ids: Map<string, string[]>;
}

function literalsOf(bundle: Bundle): Literals {
  const strings = new Set<string>(['other']);
  const longs = new Set<number>([0, 1, -1, 2 ** 31, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);
  const ids = new Map<string, Set<string>>();
  const visit = (node: unknown): void => {
    if (typeof node === 'string') {
      strings.add(node);
    } else if (typeof node === 'number' && Number.isSafeInteger(node)) {
      for (const near of [node - 1, node, node + 1]) if (Number.isSafeInteger(near)) longs.add(near);
    } else if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (typeof node === 'object' && node !== null) {
      const uid = node as { type?: unknown; id?: unknown };
      if (typeof uid.type === 'string' && typeof uid.id === 'string') {
        if (!ids.has(uid.type)) ids.set(uid.type, new Set());
        ids.get(uid.type)!.add(uid.id);
      }
      Object.values(node).forEach(visit);
    }
  };
  for (const policy of bundle.policies) {
    const answer = cedar.policyToJson(policy.text);
    if (answer.type === 'success') visit(answer.json);
  }
  return {
    strings: [...strings],
    longs: [...longs],
    ids: new Map([...ids].map(([type, found]) => [type, [...found, 'other']])),
  };
}

/**
 * Requests the bundle's schema admits, built around the values its policies name (each literal and its
 * neighbours, each entity id), with optional attributes present or not: the cases a bundle is checked on.
 */
export function generatedRequests(bundle: Bundle, count: number, seed: number): EngineRequest[] {
  const shape = schemaShape(bundle.schema);
  const literals = literalsOf(bundle);
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const value = (attribute: AttributeShape): CedarValueJson => {
    switch (attribute.type) {
      case 'Bool':
        return next() < 0.5;
      case 'Long':
        return pick(literals.longs);
      case 'String':
        return pick(literals.strings);
      case 'Set<String>':
        return [...new Set(Array.from({ length: Math.floor(next() * 4) }, () => pick(literals.strings)))];
    }
  };
  const attributes = (declared: Record<string, AttributeShape>, all: boolean) =>
    Object.fromEntries(
      Object.entries(declared)
        .filter(([, attribute]) => all || attribute.required || next() < 0.7)
        .map(([name, attribute]) => [name, value(attribute)]),
    );
  const entity = (type: string, shapeOf: SchemaShape) => ({
    type,
    id: pick(literals.ids.get(type) ?? ['other']),
    attributes: attributes(shapeOf.attributes[type] ?? {}, false),
  });
  return Array.from({ length: count }, () => {
    const action = pick(shape.actions);
    return {
      principal: entity(pick(action.principalTypes), shape),
      action: action.id,
      resource: entity(pick(action.resourceTypes), shape),
      context: attributes(shape.context, true),
    };
  });
}

/** The first generated request the compiled policies decide otherwise than cedar-wasm, or null: none of `count`. */
export function compiledDisagreement(
  bundle: Bundle,
  count = 200,
  seed = bundle.version,
): { request: EngineRequest; compiled: EngineResult; cedar: EngineResult } | null {
  // One namespace for every check: each overwrites the last one's sets in cedar-wasm instead of adding to them.
  const engine = new PolicyEngine(bundle, 'compiled-check', 'compiled-check');
  for (const request of generatedRequests(bundle, count, seed)) {
    let cedarResult: EngineResult;
    try {
      cedarResult = engine.evaluateWithCedar(request);
    } catch {
      continue; // A request Cedar refuses is refused by both: the compiled path hands those to Cedar.
    }
    const compiled = engine.evaluate(request);
    if (!sameResult(compiled, cedarResult)) return { request, compiled, cedar: cedarResult };
  }
  return null;
}
