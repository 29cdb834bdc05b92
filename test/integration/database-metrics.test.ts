import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { operationOf } from '../../src/platform/db/timed-database.js';
import { backends, createTestApp, createTestPlatform, cleanupAfter } from '../support/harness.js';

const sample = (metrics: string, name: string, operation: string) => {
  const line = metrics
    .split('\n')
    .find((text) => text.startsWith(`${name}{`) && text.includes(`operation="${operation}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('statement kinds', () => {
  it('classifies statements by their first keyword, and CTEs by what they end in doing', () => {
    assert.equal(operationOf('  SELECT 1'), 'select');
    assert.equal(operationOf('insert into x values (1)'), 'insert');
    assert.equal(operationOf('UPDATE x SET a = 1'), 'update');
    assert.equal(operationOf('DELETE FROM x'), 'delete');
    assert.equal(operationOf('WITH moved AS (SELECT 1) INSERT INTO x SELECT * FROM moved'), 'insert');
    assert.equal(operationOf('SELECT pg_advisory_xact_lock(1)'), 'select');
    assert.equal(operationOf('BEGIN'), 'other');
  });
});

for (const backend of await backends()) {
  describe(`database metrics and slow query log on ${backend}`, () => {
    it('times every statement (in and out of transactions) once per process, and logs and counts the slow ones without their parameters', async (t) => {
      const env = await createTestPlatform(backend, { env: { ACGS_SLOW_QUERY_MS: '40' } });
      const auth = await createTestApp('auth', env.platform);
      const ac = await createTestApp('ac', env.platform);
      cleanupAfter(
        t,
        () => ac.close(),
        () => auth.close(),
        () => env.cleanup(),
      );
      const metrics = async () => (await auth.inject({ method: 'GET', url: '/metrics' })).body;
      const before = await metrics();
      await env.platform.db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        await tx.query(`UPDATE users SET full_name = full_name WHERE email = $1`, ['secret-parameter@example.com']);
      });
      await env.platform.db.query('SELECT pg_sleep(0.06), $1::text AS token', ['do-not-log-me']);
      const after = await metrics();
      assert.ok(
        sample(after, 'acgs_db_query_duration_seconds_count', 'select') >=
          sample(before, 'acgs_db_query_duration_seconds_count', 'select') + 2,
      );
      assert.equal(
        sample(after, 'acgs_db_query_duration_seconds_count', 'update'),
        sample(before, 'acgs_db_query_duration_seconds_count', 'update') + 1,
      );
      assert.ok(
        sample(after, 'acgs_db_slow_queries_total', 'select') >=
          sample(before, 'acgs_db_slow_queries_total', 'select') + 1,
      );
      assert.doesNotMatch(
        (await ac.inject({ method: 'GET', url: '/metrics' })).body,
        /acgs_db_query_duration_seconds/,
        'exported by one service of the process',
      );

      // Other statements may be slow on a loaded machine too; the sleeping one must be among them, once.
      const slow = env.logs.filter((line) => line['msg'] === 'slow query' && /pg_sleep/.test(String(line['sql'])));
      assert.equal(slow.length, 1, JSON.stringify(slow));
      assert.equal(slow[0]!['operation'], 'select');
      assert.ok(Number(slow[0]!['duration_ms']) >= 40);
      assert.doesNotMatch(JSON.stringify(env.logs), /do-not-log-me|secret-parameter/);
    });
  });
}
