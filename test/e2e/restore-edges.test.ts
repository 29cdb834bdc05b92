import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { binaryAvailable } from '../support/binaries.js';
import { backends } from '../support/harness.js';
import { POSTGRES_URL } from '../support/postgres-schema.js';
import { runCliToEnd } from '../support/process.js';

const pgToolsAvailable =
  binaryAvailable('pg_dump', ['--version'], 'postgresql-client-15') &&
  binaryAvailable('pg_restore', ['--version'], 'postgresql-client-15');

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
        assert.equal((await runCliToEnd(['migrate'], env)).code, 0);
        const created = await runCliToEnd(
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
        const before = JSON.parse((await runCliToEnd(['audit', 'verify', '--json'], env)).output) as {
          root: string;
          size: number;
        };
        assert.ok(before.size > 0);
        const file = join(dataDir, 'public.backup');
        assert.equal((await runCliToEnd(['backup', '--out', file], env)).code, 0);
        const restored = await runCliToEnd(['restore', file], env);
        assert.equal(restored.code, 0, restored.output);
        const after = await runCliToEnd(['audit', 'verify', '--json'], env);
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
      const memory = await runCliToEnd(['backup', '--out', join(dataDir, 'x')], {
        DATABASE_URL: 'pglite://memory',
        ACGS_DATA_DIR: dataDir,
      });
      assert.equal(memory.code, 1);
      assert.match(memory.output, /in-memory PGlite: there is nothing on disk/);
      const junk = join(dataDir, 'notes.txt');
      spawnSync('sh', ['-c', `echo hello > ${junk}`]);
      const wrong = await runCliToEnd(['restore', junk], { ACGS_DATA_DIR: dataDir });
      assert.equal(wrong.code, 1);
      assert.match(wrong.output, /neither a pg_dump custom-format file nor a PGlite tarball/);
      assert.ok(
        !existsSync(join(dataDir, 'pglite')) || readdirSync(join(dataDir, 'pglite')).length === 0,
        'a refused restore touches nothing',
      );
      const tarball = join(dataDir, 'pglite.backup');
      writeFileSync(tarball, gzipSync(Buffer.from('not really a data directory')));
      const crossed = await runCliToEnd(['restore', tarball], {
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
