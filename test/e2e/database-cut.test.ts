import assert from 'node:assert/strict';
import { constitutionReader } from '../../src/services/ac/constitution-reader.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { buildAndActivateBundle } from '../../src/services/integrity/bundle-builder.js';
import { evaluateThroughCut, generate, WITHOUT_GENERATE, type Evaluate } from '../support/fault-load.js';
import { backends, createTestPlatform, POSTGRES_URL, type TestPlatform } from '../support/harness.js';
import { createScratchSchema, type ScratchSchema } from '../support/postgres-schema.js';
import { freePort, runCli, waitFor, waitForHealthy, type CliProcess } from '../support/process.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const PASSWORD = 'database-cut-check-2026';
const runs = (await backends()).includes('postgres');

describe(
  'acgs up on PostgreSQL through a proxy that is cut for 5 s under evaluate load',
  { skip: runs ? false : 'needs PostgreSQL' },
  () => {
    let proxy: TcpProxy;
    let scratch: ScratchSchema;
    let stack: CliProcess;
    let direct: TestPlatform;
    let pgc: string;
    let token: string;
    const dataDir = mkdtempSync(join(tmpdir(), 'acgs-cut-'));

    before(async () => {
      scratch = await createScratchSchema('cut');
      const target = new URL(POSTGRES_URL);
      proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      const env: Record<string, string> = {
        DATABASE_URL: proxy.rewrite(scratch.url),
        DATABASE_POOL_TIMEOUT: '2',
        ACGS_DATA_DIR: dataDir,
        ACGS_ADMIN_EMAIL: 'ops@example.com',
        ACGS_ADMIN_PASSWORD: PASSWORD,
        ACGS_BCRYPT_COST: '10',
        ACGS_RATE_LIMIT_PER_MINUTE: '0',
        // The key that signs bundles is unlocked with this; the test's own platform below uses the same.
        ACGS_SIGNING_KEY_PASSPHRASE: 'test-signing-passphrase-0123456789abcdef',
      };
      const urls: Record<string, string> = {};
      for (const service of SERVICE_NAMES) {
        const port = await freePort();
        env[`${service.toUpperCase()}_PORT`] = String(port);
        urls[service] = `http://127.0.0.1:${port}`;
      }
      pgc = urls['pgc']!;
      stack = runCli(['up'], env);
      await waitForHealthy(Object.values(urls), 60_000, 'six healthy services', stack);
      const login = await fetch(`${urls['auth']}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'ops@example.com', password: PASSWORD }),
      });
      token = ((await login.json()) as { access_token: string }).access_token;
      direct = await createTestPlatform('postgres', { schema: scratch.name });
    });
    after(async () => {
      stack?.child.kill('SIGTERM');
      await stack?.exited;
      await direct?.cleanup();
      await proxy?.close();
      await scratch?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('stays up, answers 503 with a code, recovers within 5 s, loses no acknowledged decision and enforces a bundle activated during the cut', async () => {
      const evaluate: Evaluate = async (payload) => {
        const response = await fetch(`${pgc}/api/v1/enforcement/evaluate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(payload),
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      let next = '';
      const run = await evaluateThroughCut(
        evaluate,
        proxy,
        new Set(['DATABASE_UNAVAILABLE', 'AUDIT_UNAVAILABLE', 'DB_POOL_TIMEOUT']),
        async () => {
          next = (await buildAndActivateBundle(direct.platform, constitutionReader, WITHOUT_GENERATE, null)).hash;
        },
      );
      assert.equal(stack.child.exitCode, null, `the process is still running:\n${stack.output().slice(-2000)}`);
      await waitFor(
        async () => (await evaluate(generate('after'))).body['bundle_hash'] === next,
        5000,
        'the bundle activated during the cut',
      );
      const enforcedAfter = Date.now() - run.restoredAt;
      assert.equal((await evaluate(generate('now denied'))).body['decision'], 'deny');
      assert.ok(run.recoveredMs < 5000, `recovered in ${run.recoveredMs} ms`);
      assert.ok(enforcedAfter < 5000, `new bundle enforced ${enforcedAfter} ms after the restore`);
      const stored = await direct.platform.db.query<{ id: string }>(
        'SELECT id FROM decisions WHERE id = ANY($1::uuid[])',
        [run.acknowledged],
      );
      assert.equal(stored.length, run.acknowledged.length, 'every acknowledged decision is in the log');
      assert.equal(stack.child.exitCode, null);
      console.error(
        `acgs up through a PostgreSQL cut: ${JSON.stringify(run.statuses)}, recovered ${run.recoveredMs} ms, new bundle enforced ${enforcedAfter} ms after restore`,
      );
    });
  },
);
