import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { STARTER_POLICIES } from '../../src/domain/policy/starter-policies.js';
import { buildAndActivateBundle } from '../../src/services/pgc/bundle-builder.js';
import { backends, createTestApp, createTestPlatform, createUser, requireRedis, tokenFor, POSTGRES_URL, REDIS_URL, type TestPlatform, type TestPlatformOptions } from '../support/harness.js';
import { waitFor } from '../support/process.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const EVALUATE = '/api/v1/enforcement/evaluate';
const generate = (content: string) => ({ principal: { type: 'Agent', id: 'support-bot' }, action: 'generate', resource: { type: 'Model', id: 'gpt' }, content });
// The starter bundle with `generate` no longer permitted: a decision that flips once this bundle is in force.
const WITHOUT_GENERATE = {
  ...Object.fromEntries(Object.entries(STARTER_POLICIES).filter(([id]) => id !== 'baseline-permit')),
  'baseline-permit': `@id("baseline-permit")
@principle("baseline-governed-actions")
permit (principal, action in [Action::"respond", Action::"tool_call", Action::"retrieve", Action::"write_memory", Action::"send_external"], resource);`,
};
const CUT_MS = 5000;

interface FaultRun {
  statuses: Record<string, number>;
  acknowledged: string[];
  recoveredMs: number;
}

/**
 * Eight callers evaluate unique requests without pause while `proxy` is cut for 5 s; `duringCut` runs a second
 * into it. Every refusal must be a 503 with one of `codes`; the run ends at the first decision after the restore.
 */
async function evaluateThroughCut(pgc: FastifyInstance, headers: Record<string, string>, proxy: TcpProxy, codes: ReadonlySet<string>, duringCut: () => Promise<void>): Promise<FaultRun> {
  const acknowledged: string[] = [];
  const statuses: Record<string, number> = {};
  let stop = false;
  let restoredAt = 0;
  let firstOkAfterRestore = 0;
  let sequence = 0;
  const problems: string[] = [];
  const worker = async () => {
    while (!stop) {
      const response = await pgc.inject({ method: 'POST', url: EVALUATE, headers, payload: generate(`unique request ${(sequence += 1)}`) });
      const code = response.statusCode === 200 ? null : response.json<{ error_code: string }>().error_code;
      const label = code === null ? '200' : `${response.statusCode} ${code}`;
      statuses[label] = (statuses[label] ?? 0) + 1;
      if (code === null) {
        acknowledged.push(response.json<{ decision_id: string }>().decision_id);
        if (restoredAt > 0 && firstOkAfterRestore === 0) firstOkAfterRestore = Date.now();
      } else {
        if (response.statusCode !== 503 || !codes.has(code)) problems.push(response.body);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  proxy.cut();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await duringCut();
  await new Promise((resolve) => setTimeout(resolve, CUT_MS - 1000));
  proxy.restore();
  restoredAt = Date.now();
  await waitFor(async () => firstOkAfterRestore > 0, 5000, 'a decision after the restore').finally(() => {
    stop = true;
  });
  await Promise.all(workers);
  assert.deepEqual(problems.slice(0, 5), [], 'every refusal is a 503 with its code');
  assert.ok(Object.keys(statuses).some((label) => label.startsWith('503')), `callers saw 503s: ${JSON.stringify(statuses)}`);
  return { statuses, acknowledged, recoveredMs: firstOkAfterRestore - restoredAt };
}

async function agentKeyFor(env: TestPlatform): Promise<Record<string, string>> {
  const auth = await createTestApp('auth', env.platform);
  try {
    const admin = (await tokenFor(env.platform, ['admin'])).headers;
    const agent = await createUser(env.platform, ['agent']);
    return { 'x-api-key': (await auth.inject({ method: 'POST', url: '/auth/api-keys', headers: admin, payload: { user_id: agent.id, name: 'bot' } })).json().key };
  } finally {
    await auth.close();
  }
}

async function faultStack(target: string, options: (proxy: TcpProxy) => TestPlatformOptions) {
  const url = new URL(target);
  const proxy = await startTcpProxy(url.hostname, Number(url.port));
  const env = await createTestPlatform('postgres', { env: { DATABASE_POOL_TIMEOUT: '2' }, ...options(proxy) });
  const direct = await createTestPlatform('postgres', { schema: env.schema! });
  // The ac service enacts the starter constitution the bundles name.
  await (await createTestApp('ac', env.platform)).close();
  const pgc = await createTestApp('pgc', env.platform);
  const headers = await agentKeyFor(env);
  await waitFor(async () => (await pgc.inject({ method: 'POST', url: EVALUATE, headers, payload: generate('warm-up') })).statusCode === 200, 10_000, 'a first decision');
  return {
    proxy, env, direct, pgc, headers,
    async close() {
      await pgc.close();
      await direct.cleanup();
      await env.cleanup();
      await proxy.close();
    },
  };
}

const runs = (await backends()).includes('postgres');

describe('enforcement while PostgreSQL is cut for 5 s under load', { skip: runs ? false : 'needs PostgreSQL' }, () => {
  let stack: Awaited<ReturnType<typeof faultStack>>;
  before(async () => {
    stack = await faultStack(POSTGRES_URL, (proxy) => ({ databaseUrl: proxy.rewrite }));
  });
  after(async () => stack?.close());

  it('answers 503 with a code during the cut, recovers within 5 s, loses no acknowledged decision, and enforces a bundle activated during the cut', async () => {
    let next = '';
    // Activated while this PGC cannot hear the announcement.
    const run = await evaluateThroughCut(stack.pgc, stack.headers, stack.proxy, new Set(['DATABASE_UNAVAILABLE', 'AUDIT_UNAVAILABLE', 'DB_POOL_TIMEOUT']), async () => {
      next = (await buildAndActivateBundle(stack.direct.platform, WITHOUT_GENERATE, null)).hash;
    });
    const restored = Date.now() - run.recoveredMs;
    await waitFor(async () => (await stack.pgc.inject({ method: 'POST', url: EVALUATE, headers: stack.headers, payload: generate('after') })).json<{ bundle_hash: string }>().bundle_hash === next, 5000, 'the bundle activated during the cut');
    const enforcedAfter = Date.now() - restored;
    assert.equal((await stack.pgc.inject({ method: 'POST', url: EVALUATE, headers: stack.headers, payload: generate('now denied') })).json<{ decision: string }>().decision, 'deny');
    assert.ok(run.recoveredMs < 5000, `recovered in ${run.recoveredMs} ms`);
    assert.ok(enforcedAfter < 5000, `new bundle enforced ${enforcedAfter} ms after the restore`);
    const stored = await stack.direct.platform.db.query<{ id: string }>('SELECT id FROM decisions WHERE id = ANY($1::uuid[])', [run.acknowledged]);
    assert.equal(stored.length, run.acknowledged.length, 'every acknowledged decision is in the log');
    console.error(`PostgreSQL cut: ${JSON.stringify(run.statuses)}, recovered ${run.recoveredMs} ms, new bundle enforced ${enforcedAfter} ms after restore`);
  });
});

describe('enforcement while Redis is cut for 5 s under load', { skip: runs && (await requireRedis()) ? false : 'needs PostgreSQL and Redis' }, () => {
  let stack: Awaited<ReturnType<typeof faultStack>>;
  before(async () => {
    stack = await faultStack(REDIS_URL, (proxy) => ({ redis: true, redisUrl: proxy.rewrite }));
  });
  after(async () => stack?.close());

  it('answers 503 CACHE_UNAVAILABLE during the cut, recovers within 5 s and loses no acknowledged decision', async () => {
    const run = await evaluateThroughCut(stack.pgc, stack.headers, stack.proxy, new Set(['CACHE_UNAVAILABLE']), async () => undefined);
    assert.ok(run.recoveredMs < 5000, `recovered in ${run.recoveredMs} ms`);
    const stored = await stack.direct.platform.db.query<{ id: string }>('SELECT id FROM decisions WHERE id = ANY($1::uuid[])', [run.acknowledged]);
    assert.equal(stored.length, run.acknowledged.length, 'every acknowledged decision is in the log');
    console.error(`Redis cut: ${JSON.stringify(run.statuses)}, recovered ${run.recoveredMs} ms`);
  });
});
