import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { STARTER_POLICIES } from '../../src/domain/policy/starter-policies.js';
import { buildAndActivateBundle } from '../../src/services/pgc/bundle-builder.js';
import { backends, createTestApp, createTestPlatform, createUser, tokenFor, POSTGRES_URL, type TestPlatform } from '../support/harness.js';
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
const UNAVAILABLE_CODES = new Set(['DATABASE_UNAVAILABLE', 'AUDIT_UNAVAILABLE', 'DB_POOL_TIMEOUT']);

const runs = (await backends()).includes('postgres');

describe('enforcement while PostgreSQL is cut for 5 s under load', { skip: runs ? false : 'needs PostgreSQL' }, () => {
  let proxy: TcpProxy;
  let env: TestPlatform & { schema: string | null; cachePrefix: string };
  let direct: TestPlatform;
  let pgc: FastifyInstance;
  let agentKey: Record<string, string>;

  before(async () => {
    const target = new URL(POSTGRES_URL);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    env = await createTestPlatform('postgres', { databaseUrl: proxy.rewrite, env: { DATABASE_POOL_TIMEOUT: '2' } });
    direct = await createTestPlatform('postgres', { schema: env.schema! });
    // The ac service enacts the starter constitution the bundles name.
    await (await createTestApp('ac', env.platform)).close();
    pgc = await createTestApp('pgc', env.platform);
    const auth = await createTestApp('auth', env.platform);
    const admin = (await tokenFor(env.platform, ['admin'])).headers;
    const agent = await createUser(env.platform, ['agent']);
    agentKey = { 'x-api-key': (await auth.inject({ method: 'POST', url: '/auth/api-keys', headers: admin, payload: { user_id: agent.id, name: 'bot' } })).json().key };
    await auth.close();
    await waitFor(async () => (await pgc.inject({ method: 'POST', url: EVALUATE, headers: agentKey, payload: generate('warm-up') })).statusCode === 200, 10_000, 'a first decision');
  });
  after(async () => {
    await pgc?.close();
    await direct?.cleanup();
    await env?.cleanup();
    await proxy?.close();
  });

  it('answers 503 with a code during the cut, recovers within 5 s, loses no acknowledged decision, and enforces a bundle activated during the cut', async () => {
    const acknowledged: string[] = [];
    const statuses = new Map<string, number>();
    let stop = false;
    let restoredAt = 0;
    let firstOkAfterRestore = 0;
    let sequence = 0;
    const worker = async () => {
      while (!stop) {
        const response = await pgc.inject({ method: 'POST', url: EVALUATE, headers: agentKey, payload: generate(`unique request ${(sequence += 1)}`) });
        const label = response.statusCode === 200 ? '200' : `${response.statusCode} ${response.json<{ error_code: string }>().error_code}`;
        statuses.set(label, (statuses.get(label) ?? 0) + 1);
        if (response.statusCode === 200) {
          acknowledged.push(response.json<{ decision_id: string }>().decision_id);
          if (restoredAt > 0 && firstOkAfterRestore === 0) firstOkAfterRestore = Date.now();
        } else {
          assert.equal(response.statusCode, 503, response.body);
          assert.ok(UNAVAILABLE_CODES.has(response.json<{ error_code: string }>().error_code), response.body);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Activated while this PGC cannot hear the announcement.
    const next = await buildAndActivateBundle(direct.platform, WITHOUT_GENERATE, null);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    proxy.restore();
    restoredAt = Date.now();
    await waitFor(async () => firstOkAfterRestore > 0, 5000, 'a decision after the database is back');
    await waitFor(async () => (await pgc.inject({ method: 'POST', url: EVALUATE, headers: agentKey, payload: generate('after') })).json<{ bundle_hash: string }>().bundle_hash === next.hash, 5000, 'the bundle activated during the cut');
    const enforcedAfter = Date.now() - restoredAt;
    stop = true;
    await Promise.all(workers);

    const flipped = (await pgc.inject({ method: 'POST', url: EVALUATE, headers: agentKey, payload: generate('now denied') })).json<{ decision: string }>();
    assert.equal(flipped.decision, 'deny');
    assert.ok(firstOkAfterRestore - restoredAt < 5000, `recovered in ${firstOkAfterRestore - restoredAt} ms`);
    assert.ok(enforcedAfter < 5000, `new bundle enforced ${enforcedAfter} ms after the restore`);
    assert.ok([...statuses.keys()].some((label) => label.startsWith('503')), `callers saw 503s: ${JSON.stringify([...statuses])}`);
    const stored = await direct.platform.db.query<{ id: string }>('SELECT id FROM decisions WHERE id = ANY($1::uuid[])', [acknowledged]);
    assert.equal(stored.length, acknowledged.length, 'every acknowledged decision is in the log');
    console.error(`fault run: ${JSON.stringify(Object.fromEntries(statuses))}, recovered ${firstOkAfterRestore - restoredAt} ms, new bundle enforced ${enforcedAfter} ms after restore`);
  });
});
