// Enforcement benchmarks: in-process decision cost against raw cedar-wasm, and HTTP evaluate with durable logging.
import { performance } from 'node:perf_hooks';
import { decide, effectiveContext, type EvaluationRequest } from '../src/domain/enforcement/decide.js';
import { PolicyEngine } from '../src/domain/enforcement/engine.js';
import { assembleBundle, bundleHash } from '../src/domain/policy/bundle.js';
import { cedar } from '../src/domain/policy/cedar.js';
import { ACTIONS, GOVERNANCE_SCHEMA, PRINCIPAL_TYPES, RESOURCE_TYPES } from '../src/domain/policy/governance-schema.js';

/**
 * A baseline permit plus n−1 forbids, each with a condition on the context. `typed` scopes each forbid to a principal
 * and resource type as well as an action (as real policies mostly are); otherwise only to an action (worst case).
 */
function syntheticPolicies(count: number, typed: boolean): Record<string, string> {
  const policies: Record<string, string> = { baseline: 'permit (principal, action, resource);' };
  for (let i = 1; i < count; i += 1) {
    const action = ACTIONS[i % ACTIONS.length]!;
    const principal = typed ? `principal is ${PRINCIPAL_TYPES[i % PRINCIPAL_TYPES.length]}` : 'principal';
    const resource = typed
      ? `resource is ${RESOURCE_TYPES[Math.floor(i / ACTIONS.length) % RESOURCE_TYPES.length]}`
      : 'resource';
    policies[`p${i}`] =
      `@principle("synthetic-${i}")\nforbid (${principal}, action == Action::"${action}", ${resource}) when { context.risk == ${1000 + i} || context.tool == "tool-${i}" };`;
  }
  return policies;
}

function requests(count: number): EvaluationRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    principal: { type: PRINCIPAL_TYPES[i % PRINCIPAL_TYPES.length]!, id: `a${i % 10}` },
    action: ACTIONS[i % ACTIONS.length]!,
    resource: { type: RESOURCE_TYPES[Math.floor(i / 7) % RESOURCE_TYPES.length]!, id: 'r' },
    context: { risk: i % 100, tool: `tool-${i % 50}` },
  }));
}

function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length * 0.5)]!, p99: sorted[Math.floor(sorted.length * 0.99)]! };
}

function measure(work: (index: number) => void, iterations: number): { p50: number; p99: number } {
  for (let i = 0; i < 500; i += 1) work(i);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = performance.now();
    work(i);
    samples.push((performance.now() - started) * 1000);
  }
  return percentiles(samples);
}

export function inProcessDecisions(): void {
  for (const typed of [false, true]) inProcessDecisionsFor(typed);
}

function inProcessDecisionsFor(typed: boolean): void {
  console.log(
    `\n== In-process decision latency (µs), policies scoped by ${typed ? 'action, principal and resource type' : 'action only (worst case for slicing)'}: decide() vs raw statefulIsAuthorized on the full set ==`,
  );
  const results = new Map<number, { ours: { p50: number; p99: number }; raw: { p50: number; p99: number } }>();
  for (const count of [5, 100, 1000]) {
    const bundle = assembleBundle({ version: 1, constitutionHash: 'bench', policies: syntheticPolicies(count, typed) });
    // Fixed names, so each engine overwrites the previous one's sets instead of growing cedar-wasm's cache.
    const engine = new PolicyEngine(bundle, bundleHash(bundle), 'bench');
    const batch = requests(2000);
    const contexts = batch.map((request) => effectiveContext(request.context, null));
    const rawSet = 'bench-raw';
    cedar.preparseSchema(`${rawSet}-schema`, GOVERNANCE_SCHEMA);
    cedar.preparsePolicySet(rawSet, {
      staticPolicies: Object.fromEntries(bundle.policies.map((policy) => [policy.id, policy.text])),
    });
    const iterations = count === 1000 ? 2000 : 5000;
    const ours = measure((i) => void decide(engine, batch[i % batch.length]!), iterations);
    const raw = measure((i) => {
      const request = batch[i % batch.length]!;
      cedar.statefulIsAuthorized({
        principal: { type: request.principal.type, id: request.principal.id },
        action: { type: 'Action', id: request.action },
        resource: { type: request.resource.type, id: request.resource.id },
        context: contexts[i % batch.length]!,
        entities: [],
        preparsedSchemaName: `${rawSet}-schema`,
        validateRequest: true,
        preparsedPolicySetId: rawSet,
      });
    }, iterations);
    results.set(count, { ours, raw });
    console.log(
      `${String(count).padStart(5)} policies: ours p50 ${ours.p50.toFixed(1)} p99 ${ours.p99.toFixed(1)}   raw p50 ${raw.p50.toFixed(1)} p99 ${raw.p99.toFixed(1)}   ours/raw p50 ${(ours.p50 / raw.p50).toFixed(2)}×`,
    );
  }
  const five = results.get(5)!.ours.p50;
  const thousand = results.get(1000)!.ours.p50;
  console.log(
    `ours at 1,000 / ours at 5 (p50): ${(thousand / five).toFixed(2)}× (goal ≤ 3×); ours/raw at 5: ${(five / results.get(5)!.raw.p50).toFixed(2)}× (goal ≤ 1.5×)`,
  );
}
