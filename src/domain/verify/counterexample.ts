import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Bool, Model } from 'z3-solver';
import type { EngineRequest, EntityRef } from '../enforcement/engine.js';
import type { RequestEncoding, Term } from './encode.js';

const TWO_64 = 1n << 64n;
const TWO_63 = 1n << 63n;

/** A 64-bit bit-vector's value as the signed Long it encodes. */
export const signedLong = (raw: bigint): bigint => (raw >= TWO_63 ? raw - TWO_64 : raw);

/**
 * Reads a solver model back as a concrete request Cedar can evaluate: indexes become the literals they stand for or
 * fresh strings no policy mentions, bit-vectors become signed integers. Everything the model leaves open takes
 * Z3's completion (false, 0), which is as valid a witness as any.
 */
export function requestFromModel(encoding: RequestEncoding, model: Model<'verify'>): EngineRequest {
  const { z, schema, literals } = encoding;
  const number = (term: Parameters<typeof model.eval>[0]) =>
    Number((model.eval(term, true) as unknown as { value(): bigint }).value());
  const str = (index: number) =>
    index < literals.strings.length ? literals.strings[index]! : literals.fresh(index - literals.strings.length);
  const valueOf = (term: Term): CedarValueJson => {
    switch (term.kind) {
      case 'bool':
        return z.isTrue(model.eval(term.v, true));
      case 'long': {
        const raw = model.eval(term.v, true).value();
        const signed = signedLong(raw);
        if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < -BigInt(Number.MAX_SAFE_INTEGER))
          throw new RangeError(`a Long of ${signed} cannot be carried in a Cedar JSON request`);
        return Number(signed);
      }
      case 'string':
        return str(number(term.v));
      case 'set': {
        const items = term
          .vocabulary()
          .filter((index) => z.isTrue(model.eval(term.member(index), true)))
          .map(str);
        if (z.isTrue(model.eval(term.other, true))) items.push(literals.fresh(0));
        return items;
      }
      default:
        throw new Error(`a ${term.kind} is not an attribute value`);
    }
  };
  const entity = (variable: 'principal' | 'resource'): EntityRef => {
    const symbolic = encoding[variable];
    const type = schema.entityTypes[number(symbolic.type)]!;
    const ids = literals.idsOf(type);
    const index = number(symbolic.id);
    const attributes: Record<string, CedarValueJson> = {};
    for (const [name, attribute] of symbolic.attributes.get(type) ?? [])
      if (z.isTrue(model.eval(attribute.present, true))) attributes[name] = valueOf(attribute.term);
    return { type, id: index < ids.length ? ids[index]! : literals.fresh(index - ids.length, ids), attributes };
  };
  const context: Record<string, CedarValueJson> = {};
  for (const [name, attribute] of encoding.context)
    if (z.isTrue(model.eval(attribute.present, true))) context[name] = valueOf(attribute.term);
  return {
    principal: entity('principal'),
    action: schema.actions[number(encoding.action)]!.id,
    resource: entity('resource'),
    context,
  };
}

/**
 * The constraint that the symbolic request is exactly this concrete one: the inverse of requestFromModel, used to
 * ask what the encoding claims about a given request (and so to test the encoding against Cedar on many requests).
 */
export function pinnedTo(encoding: RequestEncoding, request: EngineRequest): Bool<'verify'> {
  const { z, schema, literals } = encoding;
  // Values no policy mentions get distinct numbers past the literals (distinct strings, distinct numbers).
  const unknown = new Map<string, number>();
  const stringIndex = (value: string, taken: readonly string[], base: number) => {
    const index = taken.indexOf(value);
    if (index >= 0) return index;
    if (!unknown.has(value)) unknown.set(value, unknown.size);
    return base + unknown.get(value)!;
  };
  const equalTo = (term: Term, value: CedarValueJson): Bool<'verify'> => {
    switch (term.kind) {
      case 'bool':
        return term.v.eq(z.Bool.val(value as boolean));
      case 'long':
        return term.v.eq(z.BitVec.val(BigInt(value as number), 64));
      case 'string':
        return term.v.eq(stringIndex(value as string, literals.strings, literals.strings.length));
      case 'set': {
        const items = value as string[];
        return z.And(
          ...term
            .vocabulary()
            .map((index) => term.member(index).eq(z.Bool.val(items.includes(literals.strings[index]!)))),
          term.other.eq(z.Bool.val(items.some((item) => !literals.strings.includes(item)))),
        );
      }
      default:
        throw new Error(`a ${term.kind} is not an attribute value`);
    }
  };
  const entity = (variable: 'principal' | 'resource', ref: EntityRef) => {
    const symbolic = encoding[variable];
    const ids = literals.idsOf(ref.type);
    const parts = [
      symbolic.type.eq(schema.entityTypes.indexOf(ref.type)),
      symbolic.id.eq(stringIndex(ref.id, ids, ids.length)),
    ];
    for (const [name, attribute] of symbolic.attributes.get(ref.type) ?? []) {
      const value = ref.attributes?.[name];
      parts.push(attribute.present.eq(z.Bool.val(value !== undefined)));
      if (value !== undefined) parts.push(equalTo(attribute.term, value));
    }
    return z.And(...parts);
  };
  const context = [...encoding.context].map(([name, attribute]) => {
    const value = request.context[name];
    return value === undefined
      ? attribute.present.eq(z.Bool.val(false))
      : z.And(attribute.present.eq(z.Bool.val(true)), equalTo(attribute.term, value));
  });
  return z.And(
    encoding.action.eq(schema.actions.findIndex((action) => action.id === request.action)),
    entity('principal', request.principal),
    entity('resource', request.resource),
    ...context,
  );
}
