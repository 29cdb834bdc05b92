import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { backends } from '../support/harness.js';
import { createScratchSchema, POSTGRES_URL } from '../support/postgres-schema.js';
import { freePort, runCli, waitForHealthy } from '../support/process.js';

const PASSWORD = 'backup-check-2026';
const pgToolsAvailable =
  spawnSync('pg_dump', ['--version']).status === 0 && spawnSync('pg_restore', ['--version']).status === 0;
if (!pgToolsAvailable && process.env['CI'] === 'true')
  throw new Error('pg_dump and pg_restore are required in CI (Debian postgresql-client)');

async function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = runCli(args, env);
  const code = await child.exited;
  return { code, output: child.output() };
}

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

for (const backend of await backends()) {
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
          const verified = await run(['audit', 'verify', '--json'], env);
          assert.equal(verified.code, 0, verified.output);
          const root = JSON.parse(verified.output) as { root: string; size: number };

          const backedUp = await run(['backup', '--out', file], env);
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
          assert.notEqual((await run(['audit', 'verify', '--json'], env)).code, 0, 'the wipe took the log with it');
          if (backend === 'pglite') rmSync(join(dataDir, 'pglite'), { recursive: true, force: true });

          const restored = await run(['restore', file], env);
          assert.equal(restored.code, 0, restored.output);
          assert.match(restored.output, /restored \d+ tables/);
          const after = await run(['audit', 'verify', '--json'], env);
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

describe(
  'restore into a database whose public schema holds pg_stat_statements, as docs/operations.md says to set it up',
  {
    skip: (await backends()).includes('postgres') && pgToolsAvailable ? false : 'needs PostgreSQL and its client tools',
  },
  () => {
    it('replaces the backed-up objects and leaves the extension alone', async () => {
      const name = `acgs_restore_${Math.random().toString(36).slice(2, 10)}`;
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      const dataDir = mkdtempSync(join(tmpdir(), 'acgs-backup-'));
      try {
        await admin.query(`CREATE DATABASE ${name}`);
        const url = new URL(POSTGRES_URL);
        url.pathname = `/${name}`;
        const inside = new pg.Client({ connectionString: url.toString() });
        await inside.connect();
        await inside.query('CREATE EXTENSION pg_stat_statements');
        await inside.end();
        const env = { DATABASE_URL: url.toString(), ACGS_DATA_DIR: dataDir, ACGS_BCRYPT_COST: '10' };
        assert.equal((await run(['migrate'], env)).code, 0);
        const created = await run(
          [
            'user',
            'create',
            '--email',
            'auditor@example.com',
            '--role',
            'auditor',
            '--password',
            'restore-check-2026-x',
          ],
          env,
        );
        assert.equal(created.code, 0, created.output);
        const before = JSON.parse((await run(['audit', 'verify', '--json'], env)).output) as {
          root: string;
          size: number;
        };
        assert.ok(before.size > 0);
        const file = join(dataDir, 'public.backup');
        assert.equal((await run(['backup', '--out', file], env)).code, 0);
        const restored = await run(['restore', file], env);
        assert.equal(restored.code, 0, restored.output);
        const after = await run(['audit', 'verify', '--json'], env);
        assert.equal(after.code, 0, after.output);
        assert.deepEqual(
          { root: JSON.parse(after.output).root, size: JSON.parse(after.output).size },
          { root: before.root, size: before.size },
        );
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  },
);

describe('backup and restore refuse what they cannot do', () => {
  it('refuses an in-memory database, a file that is no backup, and a backup of the other backend', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'acgs-backup-'));
    try {
      const memory = await run(['backup', '--out', join(dataDir, 'x')], {
        DATABASE_URL: 'pglite://memory',
        ACGS_DATA_DIR: dataDir,
      });
      assert.equal(memory.code, 1);
      assert.match(memory.output, /in-memory PGlite: there is nothing on disk/);
      const junk = join(dataDir, 'notes.txt');
      spawnSync('sh', ['-c', `echo hello > ${junk}`]);
      const wrong = await run(['restore', junk], { ACGS_DATA_DIR: dataDir });
      assert.equal(wrong.code, 1);
      assert.match(wrong.output, /neither a pg_dump custom-format file nor a PGlite tarball/);
      assert.ok(
        !existsSync(join(dataDir, 'pglite')) || readdirSync(join(dataDir, 'pglite')).length === 0,
        'a refused restore touches nothing',
      );
      const tarball = join(dataDir, 'pglite.backup');
      writeFileSync(tarball, gzipSync(Buffer.from('not really a data directory')));
      const crossed = await run(['restore', tarball], {
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
        ACGS_DATA_DIR: dataDir,
      });
      assert.equal(crossed.code, 1);
      assert.match(crossed.output, /this is a PGlite backup; DATABASE_URL names PostgreSQL/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
