import assert from 'node:assert/strict';
import { constitutionReader } from '../../src/services/ac/constitution-reader.js';
import { after, before, describe, it } from 'node:test';
import { buildAndActivateBundle } from '../../src/services/integrity/bundle-builder.js';
import {
  backends,
  createTestApp,
  createTestPlatform,
  requireRedis,
  POSTGRES_URL,
  REDIS_URL,
  type TestPlatformOptions,
  apiKeyFor,
} from '../support/harness.js';
import { waitFor } from '../support/process.js';
import { evaluateThroughCut, generate, WITHOUT_GENERATE, type Evaluate } from '../support/fault-load.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const EVALUATE = '/api/v1/enforcement/evaluate';
async function faultStack(target: string, options: (proxy: TcpProxy) => TestPlatformOptions) {
  const url = new URL(target);
  const proxy = await startTcpProxy(url.hostname, Number(url.port));
  const env = await createTestPlatform('postgres', { env: { DATABASE_POOL_TIMEOUT: '2' }, ...options(proxy) });
  const direct = await createTestPlatform('postgres', { schema: env.schema! });
  // The ac service enacts the starter constitution the bundles name.
  await (await createTestApp('ac', env.platform)).close();
  const pgc = await createTestApp('pgc', env.platform);
  const headers = (await apiKeyFor(env.platform)).headers;
  await waitFor(
    async () =>
      (await pgc.inject({ method: 'POST', url: EVALUATE, headers, payload: generate('warm-up') })).statusCode === 200,
    10_000,
    'a first decision',
  );
  const evaluate: Evaluate = async (payload) => {
    const response = await pgc.inject({ method: 'POST', url: EVALUATE, headers, payload });
    return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
  };
  return {
    proxy,
    env,
    direct,
    pgc,
    headers,
    evaluate,
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
    const run = await evaluateThroughCut(
      stack.evaluate,
      stack.proxy,
      new Set(['DATABASE_UNAVAILABLE', 'AUDIT_UNAVAILABLE', 'DB_POOL_TIMEOUT']),
      async () => {
        next = (await buildAndActivateBundle(stack.direct.platform, constitutionReader, WITHOUT_GENERATE, null)).hash;
      },
    );
    await waitFor(
      async () =>
        (
          await stack.pgc.inject({ method: 'POST', url: EVALUATE, headers: stack.headers, payload: generate('after') })
        ).json<{ bundle_hash: string }>().bundle_hash === next,
      5000,
      'the bundle activated during the cut',
    );
    const enforcedAfter = Date.now() - run.restoredAt;
    assert.equal(
      (
        await stack.pgc.inject({
          method: 'POST',
          url: EVALUATE,
          headers: stack.headers,
          payload: generate('now denied'),
        })
      ).json<{ decision: string }>().decision,
      'deny',
    );
    assert.ok(run.recoveredMs < 5000, `recovered in ${run.recoveredMs} ms`);
    assert.ok(enforcedAfter < 5000, `new bundle enforced ${enforcedAfter} ms after the restore`);
    const stored = await stack.direct.platform.db.query<{ id: string }>(
      'SELECT id FROM decisions WHERE id = ANY($1::uuid[])',
      [run.acknowledged],
    );
    assert.equal(stored.length, run.acknowledged.length, 'every acknowledged decision is in the log');
    console.error(
      `PostgreSQL cut: ${JSON.stringify(run.statuses)}, recovered ${run.recoveredMs} ms, new bundle enforced ${enforcedAfter} ms after restore`,
    );
  });
});

describe(
  'enforcement while Redis is cut for 5 s under load',
  { skip: runs && (await requireRedis()) ? false : 'needs PostgreSQL and Redis' },
  () => {
    let stack: Awaited<ReturnType<typeof faultStack>>;
    before(async () => {
      stack = await faultStack(REDIS_URL, (proxy) => ({ redis: true, redisUrl: proxy.rewrite }));
    });
    after(async () => stack?.close());

    it('answers 503 CACHE_UNAVAILABLE during the cut, recovers within 5 s and loses no acknowledged decision', async () => {
      const run = await evaluateThroughCut(
        stack.evaluate,
        stack.proxy,
        new Set(['CACHE_UNAVAILABLE']),
        async () => undefined,
      );
      assert.ok(run.recoveredMs < 5000, `recovered in ${run.recoveredMs} ms`);
      const stored = await stack.direct.platform.db.query<{ id: string }>(
        'SELECT id FROM decisions WHERE id = ANY($1::uuid[])',
        [run.acknowledged],
      );
      assert.equal(stored.length, run.acknowledged.length, 'every acknowledged decision is in the log');
      console.error(`Redis cut: ${JSON.stringify(run.statuses)}, recovered ${run.recoveredMs} ms`);
    });
  },
);
