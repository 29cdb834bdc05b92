/**
 * Cedar policies compiled to JavaScript closures, so a decision needs no JSON string into WASM. Each policy's JSON
 * form (Cedar's EST, from policyToJson) becomes one function over a request built once per decision; it answers
 * whether the policy is satisfied, or throws CedarEvaluationError where Cedar's evaluator raises an error (a missing
 * attribute, a type error, Long overflow). Anything this compiler does not model — extension functions, templates,
 * entity tags, a hierarchy beyond the request's own entities — is refused at compile time, and that policy is left to
 * cedar-wasm. Cedar stays the oracle: the engine checks the two agree (generated cases at load, a sample at run time).
 */

/** Cedar's values as the compiled form holds them. Longs are numbers while safe, bigints beyond. */
export type CedarValue = boolean | number | bigint | string | EntityUid | CedarSet | CedarRecord;

export class EntityUid {
  readonly key: string;
  constructor(
    readonly type: string,
    readonly id: string,
  ) {
    this.key = `${type}::${JSON.stringify(id)}`;
  }
}

export class CedarSet {
  constructor(readonly items: readonly CedarValue[]) {}
}

export class CedarRecord {
  constructor(readonly attributes: ReadonlyMap<string, CedarValue>) {}
}

/** Where Cedar's evaluator errors: the policy is skipped and named among the decision's errors. */
export class CedarEvaluationError extends Error {}

/** A request as the compiled policies read it: the variables, and the attributes of the entities that exist. */
export interface CompiledRequest {
  principal: EntityUid;
  action: EntityUid;
  resource: EntityUid;
  context: CedarRecord;
  /** Entity attributes by uid key; an entity absent here does not exist (its attributes error, `has` is false). */
  entities: ReadonlyMap<string, CedarRecord>;
}

export type Condition = (request: CompiledRequest) => boolean;

export interface CompiledPolicy {
  id: string;
  effect: 'permit' | 'forbid';
  /** Whether the policy is satisfied; throws CedarEvaluationError where Cedar would report the policy erroring. */
  satisfied: Condition;
}

/** Why a policy was not compiled (it is decided by cedar-wasm instead). */
export class NotCompiled extends Error {}

const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;

const fail = (message: string): never => {
  throw new CedarEvaluationError(message);
};

// In Cedar's words, so a decision's reasons read the same whichever evaluator decided it.
function typeName(value: CedarValue): string {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number' || typeof value === 'bigint') return 'long';
  if (typeof value === 'string') return 'string';
  if (value instanceof EntityUid) return 'entity';
  if (value instanceof CedarSet) return 'set';
  return 'record';
}

const isLong = (value: CedarValue): value is number | bigint => typeof value === 'number' || typeof value === 'bigint';

function asBool(value: CedarValue): boolean {
  return typeof value === 'boolean' ? value : fail(`type error: expected bool, got ${typeName(value)}`);
}

function asLong(value: CedarValue): number | bigint {
  return isLong(value) ? value : fail(`type error: expected long, got ${typeName(value)}`);
}

function asSet(value: CedarValue): CedarSet {
  return value instanceof CedarSet ? value : fail(`type error: expected set, got ${typeName(value)}`);
}

function asEntity(value: CedarValue): EntityUid {
  return value instanceof EntityUid ? value : fail(`type error: expected entity, got ${typeName(value)}`);
}

/** A Long result: a number while it is a safe integer (exact), else checked against i64 as a bigint. */
function long(exact: () => bigint, approximate: number, overflow: () => string): number | bigint {
  if (Number.isSafeInteger(approximate)) return approximate;
  const value = exact();
  if (value < MIN_LONG || value > MAX_LONG) fail(`integer overflow while attempting to ${overflow()}`);
  return Number.isSafeInteger(Number(value)) ? Number(value) : value;
}

const big = (value: number | bigint) => BigInt(value);

const VERBS = { '+': 'add', '-': 'subtract', '*': 'multiply' } as const;

function arithmetic(op: '+' | '-' | '*', left: number | bigint, right: number | bigint): number | bigint {
  const overflow = () => `${VERBS[op]} the values \`${left}\` and \`${right}\``;
  const numbers = typeof left === 'number' && typeof right === 'number';
  if (op === '+') return long(() => big(left) + big(right), numbers ? left + right : Number.NaN, overflow);
  if (op === '-') return long(() => big(left) - big(right), numbers ? left - right : Number.NaN, overflow);
  return long(() => big(left) * big(right), numbers ? left * right : Number.NaN, overflow);
}

/** Cedar's equality: structural, and false (never an error) between values of different types. */
export function cedarEquals(left: CedarValue, right: CedarValue): boolean {
  if (typeof left === 'number' && typeof right === 'number') return left === right;
  if (isLong(left) && isLong(right)) return big(left) === big(right);
  if (typeof left !== 'object' || typeof right !== 'object') return left === right;
  if (left instanceof EntityUid) return right instanceof EntityUid && left.key === right.key;
  if (left instanceof CedarSet) {
    if (!(right instanceof CedarSet)) return false;
    return left.items.every((item) => setHas(right, item)) && right.items.every((item) => setHas(left, item));
  }
  if (!(right instanceof CedarRecord) || left.attributes.size !== right.attributes.size) return false;
  for (const [name, value] of left.attributes) {
    const other = right.attributes.get(name);
    if (other === undefined || !cedarEquals(value, other)) return false;
  }
  return true;
}

const setHas = (set: CedarSet, value: CedarValue) => set.items.some((item) => cedarEquals(item, value));

/** `like`: `*` matches any run of characters (Cedar's patterns have no other wildcard). */
function matches(text: string, pattern: readonly (string | null)[]): boolean {
  // Backtracking over the wildcards' positions, as Cedar does; patterns in policies are short.
  const at = (t: number, p: number): boolean => {
    if (p === pattern.length) return t === text.length;
    const part = pattern[p];
    if (part === null) {
      for (let skip = t; skip <= text.length; skip += 1) if (at(skip, p + 1)) return true;
      return false;
    }
    return text.startsWith(part!, t) && at(t + part!.length, p + 1);
  };
  return at(0, 0);
}

type Expression = (request: CompiledRequest) => CedarValue;

interface Est {
  [key: string]: unknown;
}

/** A JSON literal (the EST's `Value`) as a Cedar value; extension values are not compiled. */
function literal(json: unknown): CedarValue {
  if (typeof json === 'boolean' || typeof json === 'string') return json;
  if (typeof json === 'number') {
    if (!Number.isSafeInteger(json)) throw new NotCompiled(`the Long literal ${json} is not a safe integer`);
    return json;
  }
  if (Array.isArray(json)) return new CedarSet(json.map(literal));
  if (typeof json === 'object' && json !== null) {
    const record = json as Record<string, unknown>;
    if ('__entity' in record) {
      const uid = record['__entity'] as { type: string; id: string };
      return new EntityUid(uid.type, uid.id);
    }
    if ('__extn' in record) throw new NotCompiled('extension values are not compiled');
    return new CedarRecord(new Map(Object.entries(record).map(([name, value]) => [name, literal(value)])));
  }
  throw new NotCompiled(`an unrecognised literal ${JSON.stringify(json)}`);
}

function attribute(value: CedarValue, name: string, request: CompiledRequest): CedarValue {
  if (value instanceof CedarRecord) {
    const found = value.attributes.get(name);
    return found === undefined ? fail(`record does not have the attribute \`${name}\``) : found;
  }
  if (value instanceof EntityUid) {
    const attributes = request.entities.get(value.key);
    if (attributes === undefined) return fail(`entity \`${value.key}\` does not exist`);
    const found = attributes.attributes.get(name);
    return found === undefined ? fail(`\`${value.key}\` does not have the attribute \`${name}\``) : found;
  }
  return fail(`type error: expected entity or record, got ${typeName(value)}`);
}

function has(value: CedarValue, name: string, request: CompiledRequest): boolean {
  if (value instanceof CedarRecord) return value.attributes.has(name);
  if (value instanceof EntityUid) return request.entities.get(value.key)?.attributes.has(name) === true;
  return fail(`type error: expected entity or record, got ${typeName(value)}`);
}

/** `in` over a hierarchy of the request's entities alone (none has parents): membership is equality. */
function within(left: CedarValue, right: CedarValue): boolean {
  const entity = asEntity(left);
  if (right instanceof CedarSet) return right.items.some((item) => asEntity(item).key === entity.key);
  return asEntity(right).key === entity.key;
}

function unary(body: Est, key: string): Expression {
  return expression((body[key] as { arg: Est }).arg);
}

function binary(body: Est, key: string): [Expression, Expression] {
  const { left, right } = body[key] as { left: Est; right: Est };
  return [expression(left), expression(right)];
}

function comparison(op: '<' | '<=' | '>' | '>=', left: Expression, right: Expression): Expression {
  return (request) => {
    const a = asLong(left(request));
    const b = asLong(right(request));
    if (op === '<') return a < b;
    if (op === '<=') return a <= b;
    if (op === '>') return a > b;
    return a >= b;
  };
}

/** One EST expression as a closure; throws NotCompiled for what is left to cedar-wasm. */
function expression(body: Est): Expression {
  const keys = Object.keys(body);
  if (keys.length !== 1) throw new NotCompiled(`an expression with keys ${keys.join(', ')}`);
  const key = keys[0]!;
  switch (key) {
    case 'Value': {
      const value = literal(body[key]);
      return () => value;
    }
    case 'Var': {
      const name = body[key];
      if (name === 'principal') return (request) => request.principal;
      if (name === 'action') return (request) => request.action;
      if (name === 'resource') return (request) => request.resource;
      if (name === 'context') return (request) => request.context;
      throw new NotCompiled(`the variable ${String(name)}`);
    }
    case '!': {
      const arg = unary(body, key);
      return (request) => !asBool(arg(request));
    }
    case 'neg': {
      const arg = unary(body, key);
      return (request) => {
        const value = asLong(arg(request));
        return long(
          () => -big(value),
          typeof value === 'number' ? -value : Number.NaN,
          () => `negate the value \`${value}\``,
        );
      };
    }
    case '==': {
      const [left, right] = binary(body, key);
      return (request) => cedarEquals(left(request), right(request));
    }
    case '!=': {
      const [left, right] = binary(body, key);
      return (request) => !cedarEquals(left(request), right(request));
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const [left, right] = binary(body, key);
      return comparison(key, left, right);
    }
    case '+':
    case '-':
    case '*': {
      const [left, right] = binary(body, key);
      return (request) => arithmetic(key, asLong(left(request)), asLong(right(request)));
    }
    case '&&': {
      const [left, right] = binary(body, key);
      return (request) => asBool(left(request)) && asBool(right(request));
    }
    case '||': {
      const [left, right] = binary(body, key);
      return (request) => asBool(left(request)) || asBool(right(request));
    }
    case 'in': {
      const [left, right] = binary(body, key);
      return (request) => within(left(request), right(request));
    }
    case 'contains': {
      const [left, right] = binary(body, key);
      return (request) => setHas(asSet(left(request)), right(request));
    }
    case 'containsAll': {
      const [left, right] = binary(body, key);
      return (request) => {
        const set = asSet(left(request));
        return asSet(right(request)).items.every((item) => setHas(set, item));
      };
    }
    case 'containsAny': {
      const [left, right] = binary(body, key);
      return (request) => {
        const set = asSet(left(request));
        return asSet(right(request)).items.some((item) => setHas(set, item));
      };
    }
    case 'isEmpty': {
      const arg = unary(body, key);
      return (request) => asSet(arg(request)).items.length === 0;
    }
    case '.': {
      const { left, attr } = body[key] as { left: Est; attr: string };
      const of = expression(left);
      return (request) => attribute(of(request), attr, request);
    }
    case 'has': {
      const { left, attr } = body[key] as { left: Est; attr: string | string[] };
      if (typeof attr !== 'string') throw new NotCompiled('`has` over an attribute path');
      const of = expression(left);
      return (request) => has(of(request), attr, request);
    }
    case 'like': {
      const { left, pattern } = body[key] as { left: Est; pattern: unknown[] };
      const of = expression(left);
      const parts = pattern.map((part) => {
        if (part === 'Wildcard') return null;
        const text = (part as { Literal?: unknown }).Literal;
        if (typeof text !== 'string') throw new NotCompiled('a `like` pattern part');
        return text;
      });
      return (request) => {
        const value = of(request);
        return typeof value === 'string'
          ? matches(value, parts)
          : fail(`type error: expected string, got ${typeName(value)}`);
      };
    }
    case 'is': {
      const { left, entity_type: type, in: within_ } = body[key] as { left: Est; entity_type: string; in?: Est };
      const of = expression(left);
      const inside = within_ === undefined ? null : expression(within_);
      return (request) => {
        const value = of(request);
        const matched = asEntity(value).type === type;
        return inside === null ? matched : matched && within(value, inside(request));
      };
    }
    case 'if-then-else': {
      const parts = body[key] as { if: Est; then: Est; else: Est };
      const [test, then, otherwise] = [expression(parts.if), expression(parts.then), expression(parts.else)];
      return (request) => (asBool(test(request)) ? then(request) : otherwise(request));
    }
    case 'Set': {
      const items = (body[key] as Est[]).map(expression);
      return (request) => new CedarSet(items.map((item) => item(request)));
    }
    case 'Record': {
      const fields = Object.entries(body[key] as Record<string, Est>).map(
        ([name, value]) => [name, expression(value)] as const,
      );
      return (request) => new CedarRecord(new Map(fields.map(([name, value]) => [name, value(request)])));
    }
    default:
      throw new NotCompiled(`the operator ${key}`);
  }
}

interface EstScope {
  op: string;
  entity?: { type: string; id: string } | { slot: string };
  entities?: { type: string; id: string }[];
  entity_type?: string;
  in?: { entity: { type: string; id: string } };
}

const uidOf = (json: unknown): EntityUid => {
  const uid = json as { type?: unknown; id?: unknown };
  if (typeof uid?.type !== 'string' || typeof uid.id !== 'string')
    throw new NotCompiled('a template slot in the scope');
  return new EntityUid(uid.type, uid.id);
};

/** A scope constraint on one variable, as a test that never errors (scope constraints are total in Cedar). */
function scope(constraint: EstScope, variable: (request: CompiledRequest) => EntityUid): Condition | null {
  switch (constraint.op) {
    case 'All':
      return null;
    case '==': {
      const key = uidOf(constraint.entity).key;
      return (request) => variable(request).key === key;
    }
    case 'in': {
      const keys = new Set(
        constraint.entities !== undefined
          ? constraint.entities.map((uid) => uidOf(uid).key)
          : [uidOf(constraint.entity).key],
      );
      return (request) => keys.has(variable(request).key);
    }
    case 'is': {
      const type = constraint.entity_type;
      const key = constraint.in === undefined ? null : uidOf(constraint.in.entity).key;
      return (request) => variable(request).type === type && (key === null || variable(request).key === key);
    }
    default:
      throw new NotCompiled(`the scope operator ${constraint.op}`);
  }
}

/** A policy's EST (`policyToJson`) compiled, or NotCompiled naming what is left to cedar-wasm. */
export function compilePolicy(id: string, est: Record<string, unknown>): CompiledPolicy {
  const effect = est['effect'];
  if (effect !== 'permit' && effect !== 'forbid') throw new NotCompiled(`the effect ${String(effect)}`);
  const parts: Condition[] = [];
  for (const [name, variable] of [
    ['principal', (request: CompiledRequest) => request.principal],
    ['action', (request: CompiledRequest) => request.action],
    ['resource', (request: CompiledRequest) => request.resource],
  ] as const) {
    const test = scope(est[name] as EstScope, variable);
    if (test !== null) parts.push(test);
  }
  for (const condition of (est['conditions'] as { kind: string; body: Est }[] | undefined) ?? []) {
    const body = expression(condition.body);
    if (condition.kind === 'when') parts.push((request) => asBool(body(request)));
    else if (condition.kind === 'unless') parts.push((request) => !asBool(body(request)));
    else throw new NotCompiled(`the condition kind ${condition.kind}`);
  }
  // Cedar evaluates scope, then the conditions in order, as one conjunction: the first false ends it (later parts
  // that would error are never reached), and an error in a part that is reached is the policy's error.
  return { id, effect, satisfied: (request) => parts.every((part) => part(request)) };
}

/** Cedar's authorization over compiled policies: any satisfied forbid denies, else any satisfied permit allows. */
export function authorizeCompiled(
  policies: readonly CompiledPolicy[],
  request: CompiledRequest,
): { decision: 'allow' | 'deny'; determining: string[]; errors: { policy_id: string; message: string }[] } {
  const permits: string[] = [];
  const forbids: string[] = [];
  const errors: { policy_id: string; message: string }[] = [];
  for (const policy of policies) {
    try {
      if (policy.satisfied(request)) (policy.effect === 'permit' ? permits : forbids).push(policy.id);
    } catch (error) {
      if (!(error instanceof CedarEvaluationError)) throw error;
      errors.push({ policy_id: policy.id, message: error.message });
    }
  }
  if (forbids.length > 0) return { decision: 'deny', determining: forbids, errors };
  return { decision: permits.length > 0 ? 'allow' : 'deny', determining: permits, errors };
}
