import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle } from '../../src/domain/policy/bundle.js';
import { PolicyEngine, type EngineRequest, type EngineResult } from '../../src/domain/enforcement/engine.js';
import { compiledDisagreement, generatedRequests } from '../../src/domain/enforcement/compiled-check.js';
import { GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';
import { CedarRuntime } from '../../src/domain/policy/cedar-runtime.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { CedarGenerator, random } from '../support/cedar-generator.js';
import { CASES, casePolicies } from '../support/verify-cases.js';

/** A bundle of arbitrary (unvalidated) policies over the governance schema: the engine decides what it is given. */
function bundleOf(policies: readonly { id: string; text: string }[]): Bundle {
  return {
    format: 'acgs-bundle/1',
    version: 1,
    schema_version: 'test',
    schema: GOVERNANCE_SCHEMA,
    constitution_hash: 'c'.repeat(64),
    created_at: '2026-12-07T00:00:00.000Z',
    policies: policies.map(({ id, text }) => ({
      id,
      text,
      effect: text.startsWith('forbid') ? 'forbid' : 'permit',
      principles: [],
      obligations: [],
    })),
  };
}

/** What must agree: the decision, the determining policies and the policies that errored (messages may differ). */
const verdict = (result: EngineResult) => ({
  decision: result.decision,
  determining: [...result.determining].sort(),
  errors: result.errors.map((error) => error.policy_id).sort(),
});

/** Decides every request both ways; returns how many were decided compiled and the request × policy pairs checked. */
function compare(
  engine: PolicyEngine,
  requests: readonly EngineRequest[],
  label: string,
): { compiled: number; pairs: number } {
  let compiled = 0;
  for (const request of requests) {
    const ours = engine.evaluate(request);
    const cedar = engine.evaluateWithCedar(request);
    if (ours.compiled) compiled += 1;
    assert.deepEqual(
      verdict(ours),
      verdict(cedar),
      `${label}: compiled and cedar-wasm disagree on ${JSON.stringify(request)} over ${JSON.stringify(engine.bundle.policies.map((p) => p.text))}`,
    );
  }
  return { compiled, pairs: requests.length * engine.bundle.policies.length };
}

describe('compiled Cedar evaluator, with cedar-wasm as the oracle', () => {
  it('agrees with cedar-wasm on ≥ 100,000 generated request × policy pairs, deciding nearly all of them itself', (t) => {
    const seed = Number(process.env['ACGS_DIFFERENTIAL_SEED'] ?? Date.now() % 2 ** 31);
    // Printed so that a disagreement found on CI is reproduced with ACGS_DIFFERENTIAL_SEED.
    t.diagnostic(`compiled evaluator differential seed: ${seed}`);
    const generate = new CedarGenerator(random(seed));
    let pairs = 0;
    let decided = 0;
    let compiled = 0;
    for (let bundle = 0; bundle < 160; bundle += 1) {
      const engine = new PolicyEngine(bundleOf(generate.bundle(25)), `h${bundle}`);
      assert.deepEqual([...engine.notCompiled], [], 'the generator writes only constructs the compiler models');
      const requests = Array.from({ length: 30 }, () => generate.request());
      const result = compare(engine, requests, `seed ${seed}, bundle ${bundle}`);
      pairs += result.pairs;
      decided += requests.length;
      compiled += result.compiled;
    }
    assert.ok(pairs >= 100_000, `${pairs} pairs`);
    // Requests the schema does not plainly admit go to cedar-wasm; the generator's are nearly all admitted.
    assert.ok(compiled / decided > 0.9, `${compiled} of ${decided} decided compiled`);
  });

  it('agrees on every hand-proved verification case and on the starter bundle', () => {
    const generate = new CedarGenerator(random(20261207));
    const requests = Array.from({ length: 400 }, () => generate.request());
    for (const [what, texts] of CASES) compare(new PolicyEngine(bundleOf(casePolicies(texts)), 'h'), requests, what);
    const starter = Object.entries(starterPolicies()).map(([id, text]) => ({ id, text }));
    const engine = new PolicyEngine(bundleOf(starter), 'h');
    assert.deepEqual([...engine.notCompiled], []);
    assert.ok(compare(engine, requests, 'starter bundle').compiled > 300);
  });

  it('leaves what it does not compile to cedar-wasm, and decides it the same', () => {
    const engine = new PolicyEngine(
      bundleOf([
        { id: 'plain', text: 'permit (principal, action, resource) when { context.risk < 70 };' },
        {
          id: 'extension',
          text: 'forbid (principal, action, resource) when { decimal("1.5").lessThan(decimal("2.0")) && context.secrets };',
        },
      ]),
      'h',
    );
    assert.match(engine.notCompiled.get('extension') ?? '', /lessThan/);
    const generate = new CedarGenerator(random(7));
    const requests = Array.from({ length: 50 }, () => generate.request());
    assert.equal(compare(engine, requests, 'with an extension function').compiled, 0);
  });

  it('errors exactly where Cedar does: missing attributes, type errors, Long overflow at the i64 bounds', () => {
    const engine = new PolicyEngine(
      bundleOf([
        { id: 'overflow', text: 'permit (principal, action, resource) when { context.risk * 3037000500 > 0 };' },
        { id: 'edge', text: 'permit (principal, action, resource) when { context.risk + 9007199254740991 > 0 };' },
        { id: 'double', text: 'forbid (principal, action, resource) when { context.risk * 2 > context.risk };' },
        { id: 'not-bool', text: 'permit (principal, action, resource) when { context.risk };' },
        { id: 'unless-string', text: 'forbid (principal, action, resource) unless { context.tool };' },
        { id: 'set-compare', text: 'permit (principal, action, resource) when { context.pii < 3 };' },
        {
          id: 'like',
          text: 'permit (principal, action, resource) when { context.tool like "*a*l" || principal.owner like "z*" };',
        },
        {
          id: 'in-list',
          text: 'permit (principal, action, resource) when { principal in [User::"u1", Agent::"a1"] };',
        },
        { id: 'is-in', text: 'permit (principal, action, resource is Tool in Tool::"t1") when { context has risk };' },
        {
          id: 'records',
          text: 'permit (principal, action, resource) when { {a: context.risk, b: [1, context.risk]} == {b: [context.risk, 1, 1], a: context.risk} };',
        },
        {
          id: 'sets',
          text: 'forbid (principal, action, resource) when { [context.risk, 1] == [1, context.risk] && !([context.risk] == [1]) };',
        },
        { id: 'action-attr', text: 'forbid (principal, action, resource) when { action has x || action.x };' },
        { id: 'negate', text: 'forbid (principal, action, resource) when { -(context.risk - 1) > 0 };' },
        { id: 'missing', text: 'forbid (principal, action, resource) when { principal.trust > 5 };' },
        {
          id: 'guarded',
          text: 'forbid (principal, action, resource) when { principal has trust && principal.trust > 5 };',
        },
        {
          id: 'late',
          text: 'permit (principal, action, resource) when { context.secrets } when { resource.risk > 0 };',
        },
      ]),
      'h',
    );
    const base: EngineRequest = {
      principal: { type: 'Agent', id: 'a1', attributes: {} },
      action: 'tool_call',
      resource: { type: 'Tool', id: 't1', attributes: {} },
      context: new CedarGenerator(random(1)).request().context,
    };
    const requests = [-(2 ** 53), -3037000501, -1, 0, 1, 807, 3037000499, 3037000500, 2 ** 53, 2 ** 62].flatMap(
      (risk) => [
        { ...base, context: { ...base.context, risk, secrets: true } },
        {
          ...base,
          context: { ...base.context, risk, secrets: false, tool: 'email' },
          principal: { ...base.principal, attributes: { trust: risk, owner: 'zebra' } },
        },
      ],
    );
    assert.deepEqual([...engine.notCompiled], []);
    assert.equal(compare(engine, requests, 'edges').compiled, requests.length);
    // A literal beyond 2^53 reaches JavaScript rounded, so such a policy is left to cedar-wasm.
    const unsafe = new PolicyEngine(
      bundleOf([
        { id: 'big', text: 'permit (principal, action, resource) when { context.risk < 9223372036854775000 };' },
      ]),
      'h',
    );
    assert.match(unsafe.notCompiled.get('big') ?? '', /not a safe integer/);
    // A Long outside i64 is a request Cedar refuses; the compiled path hands it over rather than deciding it.
    const outside = { ...base, context: { ...base.context, risk: 2 ** 63 } };
    assert.throws(() => engine.evaluateWithCedar(outside), { name: 'EngineRequestError' });
    assert.throws(() => engine.evaluate(outside), { name: 'EngineRequestError' });
  });
});

describe('the run-time check of compiled decisions', () => {
  it('finds a planted disagreement, reports both answers and switches the engine to cedar-wasm for good', () => {
    // The oracle made to disagree: cedar-wasm's answers with allow and deny swapped.
    const real = new CedarRuntime('planted');
    const swapped = {
      get generation() {
        return real.generation;
      },
      api: new Proxy(real.api, {
        get(target, name, receiver) {
          const method = Reflect.get(target, name, receiver) as (...args: unknown[]) => unknown;
          if (name !== 'statefulIsAuthorized') return method;
          return (...args: unknown[]) => {
            const answer = method(...args) as { type: string; response?: { decision: string } };
            if (answer.response !== undefined)
              answer.response.decision = answer.response.decision === 'allow' ? 'deny' : 'allow';
            return answer;
          };
        },
      }),
    } as unknown as CedarRuntime;
    const mismatches: [EngineResult, EngineResult][] = [];
    const evaluated: boolean[] = [];
    const engine = new PolicyEngine(
      bundleOf([{ id: 'low-risk', text: 'permit (principal, action, resource) when { context.risk < 70 };' }]),
      'h',
      undefined,
      swapped,
      {
        check: { rate: 1, later: (work) => work(), onMismatch: (_, ours, cedar) => mismatches.push([ours, cedar]) },
        onEvaluated: (compiled) => evaluated.push(compiled),
      },
    );
    const request = new CedarGenerator(random(3)).request();
    const lowRisk = { ...request, context: { ...request.context, risk: 1 } };
    const first = engine.evaluate(lowRisk);
    assert.equal(first.compiled, true);
    assert.equal(first.decision, 'allow');
    assert.equal(mismatches.length, 1);
    assert.deepEqual(
      mismatches[0]!.map((result) => result.decision),
      ['allow', 'deny'],
    );
    assert.equal(engine.compiledInUse, false);
    // From now on cedar-wasm decides (here, the planted one), and nothing is checked against itself.
    const second = engine.evaluate(lowRisk);
    assert.equal(second.compiled, false);
    assert.equal(second.decision, 'deny');
    assert.deepEqual(evaluated, [true, false]);
    assert.equal(mismatches.length, 1);
  });

  it('checks about the configured share of compiled decisions, and none at 0', () => {
    let checked = 0;
    const policies = [{ id: 'p', text: 'permit (principal, action, resource);' }];
    const generate = new CedarGenerator(random(11));
    const requests = Array.from({ length: 2000 }, () => generate.request());
    for (const rate of [0, 0.05]) {
      checked = 0;
      const engine = new PolicyEngine(bundleOf(policies), 'h', undefined, undefined, {
        check: { rate, later: () => (checked += 1), onMismatch: () => assert.fail('no mismatch expected') },
      });
      for (const request of requests) engine.evaluate(request);
      if (rate === 0) assert.equal(checked, 0);
      else assert.ok(checked > 50 && checked < 160, `${checked} of 2000 checked at 5 %`);
    }
  });
});

describe("a bundle's own generated cases, checked when it is built", () => {
  it('are requests the schema admits around the values the policies name, and find no disagreement', () => {
    const starter = bundleOf(Object.entries(starterPolicies()).map(([id, text]) => ({ id, text })));
    const requests = generatedRequests(starter, 300, 1);
    const engine = new PolicyEngine(starter, 'h');
    // The schema admits every one (none is handed to cedar-wasm), and they reach both decisions.
    const decided = requests.map((request) => engine.evaluate(request));
    assert.ok(decided.every((result) => result.compiled));
    assert.deepEqual([...new Set(decided.map((result) => result.decision))].sort(), ['allow', 'deny']);
    assert.equal(compiledDisagreement(starter), null);
    const generate = new CedarGenerator(random(29));
    for (let i = 0; i < 10; i += 1) assert.equal(compiledDisagreement(bundleOf(generate.bundle(20)), 200, i), null);
  });
});
