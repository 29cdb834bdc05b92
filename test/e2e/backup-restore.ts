import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { binaryAvailable } from '../support/binaries.js';
import type { Backend } from '../support/harness.js';
import { createScratchSchema, POSTGRES_URL } from '../support/postgres-schema.js';
import { freePort, runCli, runCliToEnd, waitForHealthy } from '../support/process.js';

const PASSWORD = 'backup-check-2026';
const pgToolsAvailable =
  binaryAvailable('pg_dump', ['--version'], 'postgresql-client-15') &&
  binaryAvailable('pg_restore', ['--version'], 'postgresql-client-15');

/** Starts the stack, makes decisions and reads what must survive: the constitution hash. */
async function withStack<T>(
  env: Record<string, string>,
  urls: Record<string, string>,
  work: (token: string) => Promise<T>,
): Promise<T> {
  const stack = runCli(['up'], env);
  try {
    await waitForHealthy(Object.values(urls), 60_000, 'six healthy services', stack);
    const login = await fetch(`${urls['auth']}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ops@example.com', password: PASSWORD }),
    });
    return await work(((await login.json()) as { access_token: string }).access_token);
  } finally {
    stack.child.kill('SIGTERM');
    await stack.exited;
  }
}

/**
 * Backup, wipe and restore on one backend. Each backend has a test file of its own (backup-restore-*.test.ts): a
 * backend starts the stack twice and runs the CLI six times, and two in one file passed the per-file time bound on a
 * loaded CI machine.
 */
export function backupWipeRestore(backend: Backend): void {
  describe(
    `backup → wipe → restore on ${backend}`,
    { skip: backend === 'postgres' && !pgToolsAvailable ? 'pg_dump/pg_restore not installed' : false },
    () => {
      it('restores a log that verifies with the same root, the same constitution hash and every decision', async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'acgs-backup-'));
        const scratch = backend === 'postgres' ? await createScratchSchema('backup') : null;
        const env: Record<string, string> = {
          ACGS_DATA_DIR: dataDir,
          ACGS_ADMIN_EMAIL: 'ops@example.com',
          ACGS_ADMIN_PASSWORD: PASSWORD,
          ACGS_BCRYPT_COST: '10',
          ACGS_RATE_LIMIT_PER_MINUTE: '0',
        };
        if (scratch !== null) env['DATABASE_URL'] = scratch.url;
        const urls: Record<string, string> = {};
        for (const service of SERVICE_NAMES) {
          const port = await freePort();
          env[`${service.toUpperCase()}_PORT`] = String(port);
          urls[service] = `http://127.0.0.1:${port}`;
        }
        const file = join(dataDir, 'acgs.backup');
        try {
          const before = await withStack(env, urls, async (token) => {
            const decisions: string[] = [];
            for (let i = 0; i < 20; i += 1) {
              const response = await fetch(`${urls['pgc']}/api/v1/enforcement/evaluate`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
                body: JSON.stringify({
                  principal: { type: 'Agent', id: 'bot' },
                  action: 'generate',
                  resource: { type: 'Model', id: 'm' },
                  content: `request ${i}`,
                }),
              });
              decisions.push(((await response.json()) as { decision_id: string }).decision_id);
            }
            const constitution = (await (
              await fetch(`${urls['ac']}/api/v1/constitution`, { headers: { authorization: `Bearer ${token}` } })
            ).json()) as { hash: string };
            return { decisions, hash: constitution.hash };
          });
          const verified = await runCliToEnd(['audit', 'verify', '--json'], env);
          assert.equal(verified.code, 0, verified.output);
          const root = JSON.parse(verified.output) as { root: string; size: number };

          const backedUp = await runCliToEnd(['backup', '--out', file], env);
          assert.equal(backedUp.code, 0, backedUp.output);
          assert.match(
            backedUp.output,
            backend === 'postgres' ? /backup \d+\/\d+ audit_logs|pg_dump custom/ : /pglite tarball/,
          );

          // Wipe: the whole schema, or the whole PGlite directory.
          if (scratch !== null) {
            const client = new pg.Client({ connectionString: POSTGRES_URL });
            await client.connect();
            await client.query(`DROP SCHEMA ${scratch.name} CASCADE`);
            await client.end();
          } else {
            rmSync(join(dataDir, 'pglite'), { recursive: true, force: true });
          }
          assert.notEqual(
            (await runCliToEnd(['audit', 'verify', '--json'], env)).code,
            0,
            'the wipe took the log with it',
          );
          if (backend === 'pglite') rmSync(join(dataDir, 'pglite'), { recursive: true, force: true });

          const restored = await runCliToEnd(['restore', file], env);
          assert.equal(restored.code, 0, restored.output);
          assert.match(restored.output, /restored \d+ tables/);
          const after = await runCliToEnd(['audit', 'verify', '--json'], env);
          assert.equal(after.code, 0, after.output);
          assert.deepEqual(
            { root: JSON.parse(after.output).root, size: JSON.parse(after.output).size },
            { root: root.root, size: root.size },
          );

          await withStack(env, urls, async (token) => {
            const constitution = (await (
              await fetch(`${urls['ac']}/api/v1/constitution`, { headers: { authorization: `Bearer ${token}` } })
            ).json()) as { hash: string };
            assert.equal(constitution.hash, before.hash);
            for (const id of before.decisions) {
              const decision = await fetch(`${urls['pgc']}/api/v1/enforcement/decisions/${id}`, {
                headers: { authorization: `Bearer ${token}` },
              });
              assert.equal(decision.status, 200, id);
            }
          });
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
          if (scratch !== null) await scratch.drop().catch(() => undefined);
        }
      });
    },
  );
}
