import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { backends, REDIS_URL, requireRedis } from '../support/harness.js';
import { createScratchSchema } from '../support/postgres-schema.js';
import { freePort, runCli } from '../support/process.js';

interface DoctorReport {
  ok: boolean;
  checks: { check: string; status: string; detail: string; fix: string | null }[];
}

async function doctor(env: Record<string, string>): Promise<{ code: number | null; report: DoctorReport }> {
  const run = runCli(['doctor', '--json'], env);
  const code = await run.exited;
  return { code, report: JSON.parse(run.output()) as DoctorReport };
}

const runs = (await backends()).includes('postgres') && (await requireRedis());

describe('acgs doctor without a running stack', { skip: runs ? false : 'needs PostgreSQL and Redis' }, () => {
  it('names each service that does not answer, checks the database, migrations and Redis directly, and exits 1', async () => {
    const scratch = await createScratchSchema('doctor');
    const dataDir = mkdtempSync(join(tmpdir(), 'acgs-doctor-'));
    try {
      const env: Record<string, string> = { DATABASE_URL: scratch.url, REDIS_URL: REDIS_URL, ACGS_DATA_DIR: dataDir };
      for (const service of SERVICE_NAMES) env[`${service.toUpperCase()}_PORT`] = String(await freePort());
      const migrated = runCli(['migrate'], env);
      assert.equal(await migrated.exited, 0, migrated.output());
      const { code, report } = await doctor(env);
      assert.equal(code, 1);
      assert.equal(report.ok, false);
      const byName = new Map(report.checks.map((check) => [check.check, check]));
      for (const service of SERVICE_NAMES) {
        const check = byName.get(`service ${service}`)!;
        assert.equal(check.status, 'fail');
        assert.match(check.fix!, new RegExp(`acgs serve ${service}`));
      }
      assert.equal(byName.get('database')!.status, 'ok', byName.get('database')!.detail);
      assert.deepEqual(
        [byName.get('migrations')!.status, byName.get('redis')!.status, byName.get('audit log')!.status],
        ['ok', 'ok', 'ok'],
      );
      assert.equal(byName.get('secrets')!.status, 'ok');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await scratch.drop();
    }
  });

  it('with PostgreSQL stopped names the database check, its error and the fix', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'acgs-doctor-'));
    try {
      // Nothing listens on a freshly freed port: exactly what a stopped PostgreSQL looks like to a client.
      const stopped = await freePort();
      const env: Record<string, string> = {
        DATABASE_URL: `postgres://postgres@127.0.0.1:${stopped}/test`,
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
        ACGS_DATA_DIR: dataDir,
      };
      for (const service of SERVICE_NAMES) env[`${service.toUpperCase()}_PORT`] = String(await freePort());
      const { code, report } = await doctor(env);
      assert.equal(code, 1);
      const database = report.checks.find((check) => check.check === 'database')!;
      assert.equal(database.status, 'fail');
      assert.match(database.detail, /ECONNREFUSED/);
      assert.match(database.fix!, new RegExp(`start PostgreSQL.*pg_isready -h 127\\.0\\.0\\.1 -p ${stopped}`));
      assert.equal(report.checks.find((check) => check.check === 'redis')!.status, 'fail');

      const table = runCli(['doctor'], env);
      assert.equal(await table.exited, 1);
      assert.match(table.output(), /^database\s+FAIL\s+postgres: connect ECONNREFUSED/m);
      assert.match(table.output(), /fix: start PostgreSQL/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
