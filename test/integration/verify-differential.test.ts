import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { STARTER_PRINCIPLES } from '../../src/domain/constitution/starter.js';
import { GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { checkConformance } from '../../src/domain/verify/conformance.js';
import { compareBundles, neverAllowed } from '../../src/domain/verify/questions.js';
import { queryFileName, type ExportedQuery } from '../../src/domain/verify/smtlib.js';
import { stopZ3 } from '../../src/domain/verify/z3.js';
import { binaryAvailable } from '../support/binaries.js';
import { CedarGenerator, random, rewrittenCopy } from '../support/cedar-generator.js';
import { CASES, casePolicies } from '../support/verify-cases.js';

const z3Available = binaryAvailable('z3', ['--version'], 'z3');
const cvc5Available = binaryAvailable('cvc5', ['--version'], 'cvc5');

/**
 * cvc5 is run on the queries below this size: on the largest ones (thousands of policies) it takes minutes where z3
 * takes a second, and every construct already appears in small queries.
 */
const CVC5_MAX_BYTES = 40_000;

/** Z3's resource limit per generated query: ample for the generated 6-policy bundles that the solver decides. */
const GENERATED_RLIMIT = 5_000_000;

const STARTER = Object.entries(starterPolicies()).map(([id, text]) => ({ id, text }));
const withoutPiiForbid = STARTER.filter((policy) => policy.id !== 'no-pii-to-external-channels.1');

/** What a solver binary answers to one script: the first line it prints. */
function answerOf(command: string, args: readonly string[], file: string): string {
  const run = spawnSync(command, [...args, file], { encoding: 'utf8', timeout: 120_000 });
  if (run.error !== undefined) throw run.error;
  return run.stdout.trim().split('\n')[0] ?? '';
}

describe(
  'differential check: every exported query, run by Debian z3 and cvc5, gets the in-process answer',
  { skip: z3Available && cvc5Available ? false : 'needs Debian z3 and cvc5' },
  () => {
    const queries: ExportedQuery[] = [];
    let unanswered = 0;
    let dir: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'acgs-smtlib-'));
      const onQuery = (query: ExportedQuery) => queries.push(query);
      for (const [, texts, property] of CASES)
        await neverAllowed(GOVERNANCE_SCHEMA, casePolicies(texts), property, { onQuery });
      await checkConformance(GOVERNANCE_SCHEMA, STARTER, STARTER_PRINCIPLES, { onQuery });
      await checkConformance(GOVERNANCE_SCHEMA, withoutPiiForbid, STARTER_PRINCIPLES, { onQuery });
      await compareBundles(GOVERNANCE_SCHEMA, STARTER, withoutPiiForbid, { onQuery });
      // Generated bundles mix every construct the generator knows; each is compared with itself minus one policy.
      // Their products of Longs make nonlinear arithmetic, where z3 can search until memory runs out (seen on this
      // seed): a resource limit bounds each query, and one it stops has no answer to compare, so it is left out.
      const generate = new CedarGenerator(random(20261201));
      const answered = (query: ExportedQuery) => {
        if (query.result === 'unknown') unanswered += 1;
        else queries.push(query);
      };
      for (let i = 0; i < 12; i += 1) {
        const bundle = generate.bundle(6);
        await compareBundles(GOVERNANCE_SCHEMA, bundle, bundle.slice(1), {
          onQuery: answered,
          rlimit: GENERATED_RLIMIT,
        });
      }
      const big = generate.bundle(300);
      await compareBundles(GOVERNANCE_SCHEMA, big, rewrittenCopy(big), { onQuery, timeoutMs: 60_000 });
      queries.forEach((query, index) => writeFileSync(join(dir, queryFileName(index, query)), query.smtlib));
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await stopZ3();
    });

    it('the corpus holds satisfiable and unsatisfiable queries, each answered', (t) => {
      const results = new Set(queries.map((query) => query.result));
      assert.deepEqual([...results].sort(), ['sat', 'unsat'], 'no query came back unknown, and both answers occur');
      const large = queries.filter((query) => query.smtlib.length > CVC5_MAX_BYTES);
      assert.ok(large.length > 0, 'the corpus has large queries too, for z3');
      t.diagnostic(
        `${queries.length} queries, ${large.length} for z3 alone, the largest ${Math.max(...queries.map((q) => q.smtlib.length))} bytes; ${unanswered} generated queries past the resource limit left out`,
      );
      assert.ok(unanswered <= 2, `${unanswered} generated queries hit the resource limit: the corpus is thinning`);
    });

    it('Debian z3 gives every query the same answer', () => {
      const disagreements = queries.flatMap((query, index) => {
        const file = join(dir, queryFileName(index, query));
        const answer = answerOf('z3', ['-smt2', '-T:60'], file);
        return answer === query.result
          ? []
          : [`${queryFileName(index, query)}: in-process ${query.result}, z3 ${answer}`];
      });
      assert.deepEqual(disagreements, []);
    });

    it('cvc5 gives every small query the same answer', () => {
      const small = queries
        .map((query, index) => ({ query, index }))
        .filter(({ query }) => query.smtlib.length <= CVC5_MAX_BYTES);
      assert.ok(small.length >= queries.length / 2, `${small.length} of ${queries.length} queries are small enough`);
      const disagreements = small.flatMap(({ query, index }) => {
        const file = join(dir, queryFileName(index, query));
        const answer = answerOf('cvc5', ['--lang=smt2', '--tlimit=60000'], file);
        return answer === query.result
          ? []
          : [`${queryFileName(index, query)}: in-process ${query.result}, cvc5 ${answer}`];
      });
      assert.deepEqual(disagreements, []);
    });
  },
);
