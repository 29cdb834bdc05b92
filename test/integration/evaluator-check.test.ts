import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { enforcementCedar } from '../../src/domain/policy/cedar-runtime.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { constitutionReader } from '../../src/services/ac/constitution-reader.js';
import { buildAndActivateBundle } from '../../src/services/integrity/bundle-builder.js';
import { apiKeyFor, backends, createTestApp, createTestPlatform, type TestPlatform } from '../support/harness.js';

const haiku = {
  principal: { type: 'Agent', id: 'poet' },
  action: 'generate',
  resource: { type: 'Model', id: 'gpt' },
  content: 'Write a haiku about autumn.',
};

/** A metric's value in a Prometheus exposition (0 when absent). */
function metric(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/**
 * The run-time check of a running PGC: a disagreement planted in cedar-wasm (its allow and deny swapped, the one way
 * to make the two evaluators differ without a bug) is found on the next checked decision, logged with the request,
 * counted for the EvaluatorMismatch alert, and from then on cedar-wasm decides.
 */
for (const backend of await backends()) {
  describe(`the compiled evaluator's run-time check in PGC on ${backend}`, () => {
    let env: TestPlatform;
    let ac: FastifyInstance;
    let pgc: FastifyInstance;
    let agent: Record<string, string>;
    const api = enforcementCedar.api;

    before(async () => {
      env = await createTestPlatform(backend, { env: { ACGS_EVALUATOR_CHECK_PERCENT: '100' } });
      // ac enacts the starter constitution; pgc then builds and enforces the starter bundle.
      ac = await createTestApp('ac', env.platform);
      pgc = await createTestApp('pgc', env.platform);
      agent = (await apiKeyFor(env.platform)).headers;
    });
    after(async () => {
      Object.defineProperty(enforcementCedar, 'api', { value: api, writable: true, configurable: true });
      await pgc.close();
      await ac.close();
      await env.cleanup();
    });

    const evaluate = async () => {
      const response = await pgc.inject({
        method: 'POST',
        url: '/api/v1/enforcement/evaluate',
        headers: agent,
        payload: { ...haiku, content: `${haiku.content} ${Math.random()}` },
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as { decision: string };
    };
    const metrics = async () => (await pgc.inject({ method: 'GET', url: '/metrics' })).body;
    const settled = () => new Promise((resolve) => setImmediate(resolve));

    it('agrees while nothing is planted, then finds the planted disagreement, alerts and switches to cedar-wasm', async () => {
      assert.equal((await evaluate()).decision, 'allow');
      await settled();
      let text = await metrics();
      assert.equal(metric(text, 'acgs_pgc_evaluator_mismatches_total{service="pgc"}'), 0);
      assert.equal(metric(text, 'acgs_pgc_evaluator_compiled{service="pgc"}'), 1);
      const compiledBefore = metric(text, 'acgs_pgc_evaluations_total{evaluator="compiled",service="pgc"}');
      assert.ok(compiledBefore >= 1);

      const swapped = new Proxy(api, {
        get(target, name, receiver) {
          const method = Reflect.get(target, name, receiver) as (...args: unknown[]) => unknown;
          if (name !== 'statefulIsAuthorized') return method;
          return (...args: unknown[]) => {
            const answer = method(...args) as { response?: { decision: string } };
            if (answer.response !== undefined)
              answer.response.decision = answer.response.decision === 'allow' ? 'deny' : 'allow';
            return answer;
          };
        },
      });
      Object.defineProperty(enforcementCedar, 'api', { value: swapped, writable: true, configurable: true });

      // Decided compiled (allow) and answered; the check then finds cedar-wasm saying deny.
      assert.equal((await evaluate()).decision, 'allow');
      await settled();
      text = await metrics();
      assert.equal(metric(text, 'acgs_pgc_evaluator_mismatches_total{service="pgc"}'), 1);
      assert.equal(metric(text, 'acgs_pgc_evaluator_compiled{service="pgc"}'), 0);
      const logged = env.logs.find((line) => String(line['msg']).startsWith('the compiled evaluator disagreed'));
      assert.ok(logged !== undefined, 'the disagreement is logged');
      assert.deepEqual((logged['request'] as { action: string }).action, 'generate');
      assert.equal((logged['compiled'] as { decision: string }).decision, 'allow');
      assert.equal((logged['cedar'] as { decision: string }).decision, 'deny');

      // From now on cedar-wasm decides (here, the planted one) and nothing more is counted as a mismatch.
      assert.equal((await evaluate()).decision, 'deny');
      await settled();
      text = await metrics();
      assert.equal(metric(text, 'acgs_pgc_evaluator_mismatches_total{service="pgc"}'), 1);
      assert.ok(metric(text, 'acgs_pgc_evaluations_total{evaluator="cedar",service="pgc"}') >= 1);
      assert.equal(metric(text, 'acgs_pgc_evaluations_total{evaluator="compiled",service="pgc"}'), compiledBefore + 1);

      // The switch outlives a new bundle: cedar-wasm (restored, so the build's own check passes) decides the next
      // bundle's requests too, until the process restarts.
      Object.defineProperty(enforcementCedar, 'api', { value: api, writable: true, configurable: true });
      const rules = async () =>
        (await pgc.inject({ method: 'GET', url: '/api/v1/enforcement/rules', headers: agent })).json() as {
          bundle_version: number;
        };
      const before = (await rules()).bundle_version;
      await buildAndActivateBundle(env.platform, constitutionReader, starterPolicies(), null);
      const deadline = Date.now() + 10_000;
      while ((await rules()).bundle_version === before) {
        assert.ok(Date.now() < deadline, 'PGC loads the new bundle');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const cedarBefore = metric(text, 'acgs_pgc_evaluations_total{evaluator="cedar",service="pgc"}');
      assert.equal((await evaluate()).decision, 'allow');
      await settled();
      text = await metrics();
      assert.equal(metric(text, 'acgs_pgc_evaluator_compiled{service="pgc"}'), 0);
      assert.equal(metric(text, 'acgs_pgc_evaluations_total{evaluator="cedar",service="pgc"}'), cedarBefore + 1);
      assert.equal(metric(text, 'acgs_pgc_evaluations_total{evaluator="compiled",service="pgc"}'), compiledBefore + 1);
    });
  });
}
