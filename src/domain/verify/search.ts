import type { Bool, Solver } from 'z3-solver';
import type { EngineRequest } from '../enforcement/engine.js';
import { requestFromModel, signedLong } from './counterexample.js';
import { RequestEncoding } from './encode.js';
import { Literals } from './literals.js';
import { schemaShape } from '../policy/schema-shape.js';
import { smtlibScript, type ExportedQuery } from './smtlib.js';
import { check, z3Context } from './z3.js';

type ZBool = Bool<'verify'>;

export interface QuestionOptions {
  /**
   * Z3's wall-clock timeout per solver call; past it the answer is `inconclusive`. The services leave it unset and
   * bound calls by `rlimit` (and the solver pool's watch on stuck workers): the WASM build has crashed in runs that
   * timed out.
   */
  timeoutMs?: number;
  /**
   * Z3's deterministic resource limit per solver call (its `rlimit` counter); past it the answer is `inconclusive`.
   * Unlike the timeout it does not depend on how loaded the machine is, and it stops a query before it exhausts the
   * solver's memory.
   */
  rlimit?: number;
  /** Receives every solver call as an SMT-LIB2 script with its answer (`acgs verify --smtlib`, the differential test). */
  onQuery?: (query: ExportedQuery) => void;
  /** Told the answer of every solver call (for counting; cheaper than `onQuery`, which prints each query). */
  onCheck?: (result: ExportedQuery['result']) => void;
  /**
   * The values Long context attributes can take (by attribute name): requests outside them cannot be enforced, so
   * no question looks at them and no counterexample carries one. Unset, every Long a request can carry counts.
   */
  contextRanges?: Readonly<Record<string, { min: number; max: number }>>;
  /** The values String context attributes can take (by attribute name), likewise. */
  contextValues?: Readonly<Record<string, readonly string[]>>;
  /**
   * Shrink each counterexample of a violated property (never-decides questions: conformance, properties) to the
   * smallest Longs that still witness it, one variable at a time: a few solver calls more per violation, none when
   * a property holds.
   */
  smallestCounterexamples?: boolean;
}

export interface Setup {
  encoding: RequestEncoding;
  schema: string;
}

/**
 * Past this many policies and properties a question's searches get a fresh solver each: what one search internalised
 * (a bit-blasted 128-bit multiplier per Long product) stays in a shared solver, and on a few hundred generated
 * policies it exhausted Z3's fixed WASM heap. Below it, sharing keeps what Z3 learnt and halves the policy checks.
 */
const SHARED_SOLVER_MAX_ASTS = 100;
const sharing = new WeakSet<RequestEncoding>();

/**
 * One symbolic request over the schema, with every literal the given ASTs mention (policies and properties) and the
 * declared values of the options' String attributes (so a domain constraint can name them).
 */
export async function setUp(schema: string, asts: unknown[], options: QuestionOptions = {}): Promise<Setup> {
  const literals = new Literals();
  for (const ast of asts) literals.collect(ast);
  for (const values of Object.values(options.contextValues ?? {})) for (const value of values) literals.string(value);
  const encoding = new RequestEncoding(await z3Context(), schemaShape(schema), literals);
  if (asts.length <= SHARED_SOLVER_MAX_ASTS) sharing.add(encoding);
  return { encoding, schema };
}

export type Search = { found: EngineRequest } | { none: true } | { inconclusive: string };

/** Long bounds tried in turn for a witness: small numbers read best; 2^53−1 is the most a Cedar request can carry. */
const LONG_TIERS: readonly bigint[] = [100n, 1_000_000n, BigInt(Number.MAX_SAFE_INTEGER)];

// Small questions keep one solver per encoding, with the request's well-formedness asserted once; each search runs in
// its own push/pop scope, so Z3 keeps what it learnt about the bundle from one search to the next.
const solvers = new WeakMap<RequestEncoding, Solver<'verify'>>();

function configured(solver: Solver<'verify'>, options: QuestionOptions): Solver<'verify'> {
  if (options.timeoutMs !== undefined) solver.set('timeout', options.timeoutMs);
  if (options.rlimit !== undefined) solver.set('rlimit', options.rlimit);
  return solver;
}

/**
 * A solver holding the well-formed request and `goal` (and, with a bound, Longs within it), for one check; `done`
 * gives it back. Large questions get a fresh solver each time: in a scope Z3 skips the preprocessing that simplifies
 * a product by a constant, and a few hundred policies' 128-bit multipliers then exhausted its fixed WASM heap.
 */
function solverWith(encoding: RequestEncoding, goal: ZBool, bound: bigint | null, options: QuestionOptions) {
  const bounds = [
    ...(bound === null ? [] : [encoding.longsWithin(bound)]),
    ...(options.contextRanges === undefined ? [] : [encoding.contextWithin(options.contextRanges)]),
    ...(options.contextValues === undefined ? [] : [encoding.contextAmong(options.contextValues)]),
  ];
  if (!sharing.has(encoding)) {
    const solver = configured(new encoding.z.Solver(), options);
    solver.add(encoding.wellFormed(), goal, ...bounds);
    return { solver, done: () => {} };
  }
  let solver = solvers.get(encoding);
  if (solver === undefined) {
    solver = new encoding.z.Solver();
    solver.add(encoding.wellFormed());
    solvers.set(encoding, solver);
  }
  const shared = configured(solver, options);
  shared.push();
  shared.add(goal, ...bounds);
  return { solver: shared, done: () => shared.pop() };
}

/**
 * Looks for a well-formed request satisfying `goal`. Unbounded first, so "none" costs one solver call; when one
 * exists, again with Longs bounded ever more loosely for a witness that reads well and can be replayed. A witness
 * only beyond ±(2^53−1) cannot be replayed, so it makes the answer inconclusive rather than a reported violation.
 */
export async function search(
  encoding: RequestEncoding,
  goal: ZBool,
  label: string,
  options: QuestionOptions,
  shrink = false,
): Promise<Search> {
  for (const bound of [null, ...LONG_TIERS]) {
    const { solver, done } = solverWith(encoding, goal, bound, options);
    try {
      // Printed before the check: afterwards Z3 appends its model converter, which is not SMT-LIB.
      const smtlib = options.onQuery === undefined ? '' : smtlibScript(solver.toString());
      const result = await check(solver);
      options.onCheck?.(result);
      options.onQuery?.({ label: bound === null ? label : `${label} (Longs within ±${bound})`, smtlib, result });
      if (result === 'unknown') return { inconclusive: `the solver gave up: ${solver.reasonUnknown()}` };
      if (result === 'unsat' && bound === null) return { none: true };
      if (result === 'sat' && bound !== null)
        return {
          found: shrink ? await smallest(encoding, solver, label, options) : requestFromModel(encoding, solver.model()),
        };
    } finally {
      done();
    }
  }
  return { inconclusive: 'only requests with Longs beyond ±(2^53−1) qualify, which Cedar requests cannot carry' };
}

const magnitudeAtMost = (encoding: RequestEncoding, v: RequestEncoding['longs'][number], bound: bigint): ZBool => {
  const { z } = encoding;
  return z.And(v.sge(z.BitVec.val(-bound, 64)), v.sle(z.BitVec.val(bound, 64)));
};

/**
 * The request of the solver's current (sat) model with each Long made as small in magnitude as the goal allows, one
 * variable after another (a binary search on |v|, each bound kept for the next variable). An `unknown` stops the
 * shrinking and keeps the smallest request found so far: it is still a witness.
 */
async function smallest(
  encoding: RequestEncoding,
  solver: Solver<'verify'>,
  label: string,
  options: QuestionOptions,
): Promise<EngineRequest> {
  let request = requestFromModel(encoding, solver.model());
  let model = solver.model();
  for (const v of encoding.longs) {
    const raw = (model.eval(v, true) as unknown as { value(): bigint }).value();
    const signed = signedLong(raw);
    let high = signed < 0n ? -signed : signed;
    let low = 0n;
    while (low < high) {
      const middle = (low + high) / 2n;
      solver.push();
      solver.add(magnitudeAtMost(encoding, v, middle));
      const smtlib = options.onQuery === undefined ? '' : smtlibScript(solver.toString());
      const result = await check(solver);
      options.onCheck?.(result);
      options.onQuery?.({ label: `${label} (shrinking ${v.toString()} to at most ${middle})`, smtlib, result });
      if (result === 'sat') {
        model = solver.model();
        request = requestFromModel(encoding, model);
        high = middle;
      } else if (result === 'unsat') low = middle + 1n;
      solver.pop();
      if (result === 'unknown') return request;
    }
    // Later variables shrink with this one held at its smallest.
    solver.add(magnitudeAtMost(encoding, v, high));
  }
  return request;
}
