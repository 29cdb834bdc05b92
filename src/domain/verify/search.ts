import type { Bool } from 'z3-solver';
import type { EngineRequest } from '../enforcement/engine.js';
import { requestFromModel } from './counterexample.js';
import { RequestEncoding } from './encode.js';
import { Literals } from './literals.js';
import { schemaShape } from '../policy/schema-shape.js';
import { smtlibScript, type ExportedQuery } from './smtlib.js';
import { z3Context } from './z3.js';

type ZBool = Bool<'verify'>;

export interface QuestionOptions {
  /** Per solver call; past it the answer is `inconclusive`. */
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
}

export interface Setup {
  encoding: RequestEncoding;
  schema: string;
}

/** One symbolic request over the schema, with every literal the given ASTs mention (policies and properties). */
export async function setUp(schema: string, asts: unknown[]): Promise<Setup> {
  const literals = new Literals();
  for (const ast of asts) literals.collect(ast);
  return { encoding: new RequestEncoding(await z3Context(), schemaShape(schema), literals), schema };
}

export type Search = { found: EngineRequest } | { none: true } | { inconclusive: string };

/** Long bounds tried in turn for a witness: small numbers read best; 2^53−1 is the most a Cedar request can carry. */
const LONG_TIERS: readonly bigint[] = [1_000_000n, BigInt(Number.MAX_SAFE_INTEGER)];

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
): Promise<Search> {
  const { z } = encoding;
  for (const bound of [null, ...LONG_TIERS]) {
    const solver = new z.Solver();
    solver.set('timeout', options.timeoutMs ?? 10_000);
    if (options.rlimit !== undefined) solver.set('rlimit', options.rlimit);
    solver.add(encoding.wellFormed(), goal);
    if (bound !== null) solver.add(encoding.longsWithin(bound));
    // Printed before the check: afterwards Z3 appends its model converter, which is not SMT-LIB.
    const smtlib = options.onQuery === undefined ? '' : smtlibScript(solver.toString());
    const result = await solver.check();
    options.onCheck?.(result);
    options.onQuery?.({ label: bound === null ? label : `${label} (Longs within ±${bound})`, smtlib, result });
    if (result === 'unknown') return { inconclusive: `the solver gave up: ${solver.reasonUnknown()}` };
    if (result === 'unsat' && bound === null) return { none: true };
    if (result === 'sat' && bound !== null) return { found: requestFromModel(encoding, solver.model()) };
  }
  return { inconclusive: 'only requests with Longs beyond ±(2^53−1) qualify, which Cedar requests cannot carry' };
}
