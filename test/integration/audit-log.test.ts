import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { entryBytes, entryFromRow, type AuditRow } from '../../src/domain/audit/entry.js';
import { auditDamage, AuditLog } from '../../src/platform/audit/log.js';
import { AuditReader } from '../../src/platform/audit/reader.js';
import { verifyConsistency } from '../../src/domain/audit/merkle.js';
import { migrate, readMigrations } from '../../src/platform/db/migrate.js';
import { openPglite } from '../../src/platform/db/pglite.js';
import { verifyAuditTree } from '../../src/platform/audit/verify.js';
import { signedByPlatformKey } from '../../src/services/integrity/signing-keys.js';
import { AuditWatch } from '../../src/platform/audit/watch.js';
import { verifyWithPlatformKeys } from '../../src/services/integrity/signing-keys.js';
import { verifyTreeHeads } from '../../src/platform/audit/tree-heads.js';
import { checkInclusion } from '../support/rfc9162-check.js';
import {
  backends,
  createTestApp,
  createTestPlatform,
  createUser,
  tokenFor,
  type TestPlatform,
  cleanupAfter,
} from '../support/harness.js';

async function populated(backend: 'pglite' | 'postgres'): Promise<TestPlatform> {
  const env = await createTestPlatform(backend);
  for (let i = 0; i < 5; i += 1) await createUser(env.platform, ['auditor']);
  await env.platform.audit.recordMany(
    Array.from({ length: 40 }, (_, i) => ({
      userId: null,
      action: 'test.event',
      resource: `thing:${i}`,
      details: { i, nested: { z: 1, a: [true, null] } },
    })),
  );
  return env;
}

/** A populated log with the integrity service over it, both closed after the test. */
async function populatedIntegrity(t: TestContext, backend: 'pglite' | 'postgres') {
  const env = await populated(backend);
  const app = await createTestApp('integrity', env.platform);
  cleanupAfter(
    t,
    () => app.close(),
    () => env.cleanup(),
  );
  return { env, app };
}

const leafIndexOf = async (env: TestPlatform, resource: string) =>
  Number(
    (
      await env.platform.db.query<{ leaf_index: number }>('SELECT leaf_index FROM audit_logs WHERE resource = $1', [
        resource,
      ])
    )[0]!.leaf_index,
  );

for (const backend of await backends()) {
  describe(`Merkle audit log on ${backend}`, () => {
    it('gives every event a dense leaf index, serves proofs that the independent check accepts, and verifies clean', async (t) => {
      const { env, app } = await populatedIntegrity(t, backend);
      const auditor = (await tokenFor(env.platform, ['auditor'])).headers;
      const agent = (await tokenFor(env.platform, ['agent'])).headers;
      const head = (await app.inject({ method: 'GET', url: '/api/v1/audit/tree-head', headers: auditor })).json();
      const count = (await env.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_logs'))[0]!.n;
      assert.equal(head.tree_size, count);
      for (const index of [0, 1, 7, 22, head.tree_size - 1]) {
        const proof = (
          await app.inject({
            method: 'GET',
            url: `/api/v1/audit/proof/inclusion?index=${index}&tree_size=${head.tree_size}`,
            headers: auditor,
          })
        ).json();
        const row = (
          await env.platform.db.query<AuditRow>('SELECT * FROM audit_logs WHERE leaf_index = $1', [index])
        )[0]!;
        const leafData = entryBytes(entryFromRow(row)).toString('utf8');
        assert.equal(proof.leaf_data, leafData);
        assert.ok(checkInclusion(leafData, index, head.tree_size, proof.audit_path, head.root_hash), `index ${index}`);
        assert.ok(
          !checkInclusion(
            leafData.replace('"action":"', '"action":"x'),
            index,
            head.tree_size,
            proof.audit_path,
            head.root_hash,
          ),
        );
      }
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, new RegExp(`^acgs_audit_log_size\\{service="integrity"\\} ${head.tree_size}$`, 'm'));
      const consistency = await app.inject({
        method: 'GET',
        url: `/api/v1/audit/proof/consistency?first=10&second=${head.tree_size}`,
        headers: auditor,
      });
      assert.equal(consistency.statusCode, 200);
      assert.equal(consistency.json().second_root, head.root_hash);
      const beyond = await app.inject({
        method: 'GET',
        url: `/api/v1/audit/proof/inclusion?index=0&tree_size=${head.tree_size + 5}`,
        headers: auditor,
      });
      assert.equal(beyond.statusCode, 400);
      assert.equal(beyond.json().error_code, 'BEYOND_TREE');
      assert.equal(
        (
          await app.inject({
            method: 'GET',
            url: `/api/v1/audit/proof/inclusion?index=${head.tree_size}&tree_size=${head.tree_size}`,
            headers: auditor,
          })
        ).statusCode,
        400,
      );
      assert.equal(
        (await app.inject({ method: 'GET', url: '/api/v1/audit/tree-head', headers: agent })).statusCode,
        403,
      );
      const report = await verifyAuditTree(env.platform.db, () => undefined, 7);
      assert.deepEqual(report.findings, []);
      assert.equal(report.root, head.root_hash);

      // The head is signed with the platform's OpenPGP key over exactly signed_data.
      assert.equal(
        head.signed_data,
        JSON.stringify({ root_hash: head.root_hash, timestamp: head.timestamp, tree_size: head.tree_size }),
      );
      assert.ok((await verifyWithPlatformKeys(env.platform.db, Buffer.from(head.signed_data), head.signature)).valid);
      const again = (await app.inject({ method: 'GET', url: '/api/v1/audit/tree-head', headers: auditor })).json();
      assert.equal(again.signature, head.signature, 'an unchanged log keeps its signed head');
      assert.deepEqual(await verifyTreeHeads(env.platform.db, signedByPlatformKey), []);
      await env.platform.db.query(`UPDATE audit_tree_heads SET root_hash = repeat('0', 64) WHERE tree_size = $1`, [
        head.tree_size,
      ]);
      assert.match(
        (await verifyTreeHeads(env.platform.db, signedByPlatformKey))[0]!.problem,
        /signed data does not match/,
      );
      await env.platform.db.query(`UPDATE audit_tree_heads SET root_hash = $1, signature = $2 WHERE tree_size = $3`, [
        head.root_hash,
        (
          await app.inject({
            method: 'POST',
            url: '/api/v1/crypto/hash',
            headers: auditor,
            payload: { algorithm: 'sha256', data: 'x' },
          })
        ).json().hash,
        head.tree_size,
      ]);
      assert.equal((await verifyTreeHeads(env.platform.db, signedByPlatformKey)).length, 1);
    });

    const tampers: [string, (env: TestPlatform, index: number) => Promise<void>, RegExp][] = [
      [
        'an edited row',
        (env, index) =>
          env.platform.db
            .query(`UPDATE audit_logs SET action = 'covered.up' WHERE leaf_index = $1`, [index])
            .then(() => undefined),
        /modified/,
      ],
      [
        'a deleted row',
        (env, index) =>
          env.platform.db.query('DELETE FROM audit_logs WHERE leaf_index = $1', [index]).then(() => undefined),
        /deleted/,
      ],
      [
        'two swapped rows',
        async (env, index) => {
          await env.platform.db.query('UPDATE audit_logs SET leaf_index = -1 WHERE leaf_index = $1', [index]);
          await env.platform.db.query('UPDATE audit_logs SET leaf_index = $1 WHERE leaf_index = $2', [
            index,
            index + 1,
          ]);
          await env.platform.db.query('UPDATE audit_logs SET leaf_index = $1 WHERE leaf_index = -1', [index + 1]);
        },
        /modified/,
      ],
    ];
    for (const [what, tamper, problem] of tampers) {
      it(`names the index of ${what}`, async (t) => {
        const env = await populated(backend);
        cleanupAfter(t, () => env.cleanup());
        const index = await leafIndexOf(env, 'thing:17');
        // Enough samples that every leaf of this small log is drawn (miss chance below 1e-12).
        const watch = new AuditWatch(env.platform.db, signedByPlatformKey, 1500);
        assert.deepEqual(await watch.run(), []);
        await tamper(env, index);
        const report = await verifyAuditTree(env.platform.db, () => undefined, 8);
        assert.equal(report.findings[0]?.leaf_index, index, JSON.stringify(report.findings));
        assert.match(report.findings[0]!.problem, problem);
        const sampled = await watch.run();
        assert.equal(
          sampled[0]?.leaf_index,
          index,
          `the running verification's sample finds it too: ${JSON.stringify(sampled)}`,
        );
        assert.equal(sampled[0]!.check, 'sampled_leaves');
      });
    }

    it('the running verification checks new rows each round and reports problems at POST /api/v1/audit/verify and as a metric', async (t) => {
      const { env, app } = await populatedIntegrity(t, backend);
      const auditor = (await tokenFor(env.platform, ['auditor'])).headers;
      const verify = async () =>
        (await app.inject({ method: 'POST', url: '/api/v1/audit/verify', headers: auditor })).json();
      const status = async () =>
        (await app.inject({ method: 'GET', url: '/api/v1/audit/verification', headers: auditor })).json();
      assert.deepEqual([(await status()).last_run_at, (await status()).ok], [null, null], 'no round yet');
      const clean = await verify();
      assert.equal(clean.ok, true, JSON.stringify(clean));
      assert.equal(clean.verified_size, clean.tree_size);
      const after = await status();
      assert.ok(after.last_run_at !== null && after.ok === true && after.problems === 0, JSON.stringify(after));
      await env.platform.audit.record({ userId: null, action: 'test.late', resource: 'late:1' });
      const index = await leafIndexOf(env, 'late:1');
      await env.platform.db.query(`UPDATE audit_logs SET details = '{"edited": true}' WHERE leaf_index = $1`, [index]);
      for (let round = 0; round < 2; round += 1) {
        const report = await verify();
        assert.equal(report.ok, false);
        assert.deepEqual(
          report.findings.find((finding: { check: string }) => finding.check === 'new_leaves'),
          {
            check: 'new_leaves',
            leaf_index: index,
            problem: 'modified: the row no longer hashes to its stored leaf',
          },
        );
        assert.equal(report.verified_size, index + 1, 'verification moves past a bad leaf and keeps re-checking it');
      }
      assert.deepEqual([(await status()).ok, (await status()).problems], [false, 1], 'the overview sees the problem');
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /^acgs_audit_verify_failures_total\{check="new_leaves",service="integrity"\} 2$/m);
      assert.match(metrics, /^acgs_audit_last_verification_timestamp_seconds\{service="integrity"\} [1-9]/m);
      assert.equal(
        (
          await app.inject({
            method: 'POST',
            url: '/api/v1/audit/verify',
            headers: (await tokenFor(env.platform, ['agent'])).headers,
          })
        ).statusCode,
        403,
      );
    });

    it('reports every tampered leaf, not only the first, in acgs audit verify and in the running verification', async (t) => {
      const env = await populated(backend);
      cleanupAfter(t, () => env.cleanup());
      const watch = new AuditWatch(env.platform.db, signedByPlatformKey, 0);
      assert.deepEqual(await watch.run(), []);
      const early = await leafIndexOf(env, 'thing:3');
      const late = await leafIndexOf(env, 'thing:30');
      await env.platform.db.query(`UPDATE audit_logs SET details = '{"poisoned": true}' WHERE leaf_index = $1`, [
        early,
      ]);
      assert.equal((await watch.run()).find((finding) => finding.leaf_index === early)?.check, 'sweep');
      // Later, a decision-like row further on is flipped: both must be reported from now on.
      await env.platform.db.query(`UPDATE audit_logs SET action = 'flipped' WHERE leaf_index = $1`, [late]);
      const report = await verifyAuditTree(env.platform.db, () => undefined, 8);
      assert.deepEqual(
        report.findings.map((finding) => finding.leaf_index),
        [early, late],
        JSON.stringify(report.findings),
      );
      for (let round = 0; round < 2; round += 1) {
        const seen = (await watch.run()).map((finding) => finding.leaf_index);
        assert.ok(seen.includes(early) && seen.includes(late), `round ${round}: ${JSON.stringify(seen)}`);
      }
    });

    it('reports rows deleted from the end of the log under a signed head', async (t) => {
      const { env, app } = await populatedIntegrity(t, backend);
      const auditor = (await tokenFor(env.platform, ['auditor'])).headers;
      const head = (await app.inject({ method: 'GET', url: '/api/v1/audit/tree-head', headers: auditor })).json<{
        tree_size: number;
      }>();
      await env.platform.db.query('DELETE FROM audit_logs WHERE leaf_index >= $1', [head.tree_size - 1]);
      const report = await verifyAuditTree(env.platform.db);
      assert.equal(report.size, head.tree_size, 'the log is as long as its newest signed head');
      assert.deepEqual(
        report.findings.map((finding) => finding.leaf_index),
        [head.tree_size - 1],
      );
      assert.match(report.findings[0]!.problem, /deleted/);
      const watched = await new AuditWatch(env.platform.db, signedByPlatformKey).run();
      assert.ok(
        watched.some(
          (finding) => finding.check === 'tree_heads' && /rows were deleted from its end/.test(finding.problem),
        ),
        JSON.stringify(watched),
      );
    });

    it('stops recording when rows are lost from its end, says so, and goes on only once the gap is acknowledged', async (t) => {
      const { env, app } = await populatedIntegrity(t, backend);
      const auditor = (await tokenFor(env.platform, ['auditor'])).headers;
      const service = (await tokenFor(env.platform, ['service'])).headers;
      const signed = (await app.inject({ method: 'GET', url: '/api/v1/audit/tree-head', headers: auditor })).json<{
        tree_size: number;
        root_hash: string;
      }>();
      await env.platform.db.query('DELETE FROM audit_logs WHERE leaf_index >= $1', [signed.tree_size - 3]);
      const append = () =>
        app.inject({
          method: 'POST',
          url: '/api/v1/audit/logs',
          headers: service,
          payload: { action: 'ext.after_loss', resource: 'r' },
        });
      const refused = await append();
      assert.equal(refused.statusCode, 503, refused.body);
      assert.equal(refused.json().error_code, 'AUDIT_LOG_DAMAGED');
      assert.match(
        refused.json().detail,
        new RegExp(
          `leaves ${signed.tree_size - 3}–${signed.tree_size - 1} are missing.*acgs doctor.*acgs audit reanchor`,
        ),
      );
      const extent = await new AuditReader(env.platform.db).extent();
      assert.deepEqual(auditDamage(extent.size, extent.storedLeaves, extent.signedSize), {
        first: signed.tree_size - 3,
        end: signed.tree_size,
        evidence: `a head was signed at size ${signed.tree_size}`,
      });

      const { gap, entry } = await env.platform.audit.acknowledgeGap(
        'restored from a backup older than the loss',
        'ops',
      );
      assert.deepEqual(gap, [signed.tree_size - 3, signed.tree_size]);
      assert.equal(entry.leaf_index, signed.tree_size, 'the log resumes after the lost leaves');
      await assert.rejects(env.platform.audit.acknowledgeGap('again', 'ops'), { errorCode: 'AUDIT_LOG_WHOLE' });
      const resumed = await append();
      assert.equal(resumed.statusCode, 201, resumed.body);
      assert.equal(resumed.json().leaf_index, signed.tree_size + 1);

      const report = await verifyAuditTree(env.platform.db);
      assert.deepEqual(report.findings, []);
      assert.equal(report.acknowledged_gaps.length, 1);
      assert.match(report.acknowledged_gaps[0]!.problem, /lost; acknowledged by ops .*: restored from a backup/);
      assert.deepEqual(await new AuditWatch(env.platform.db, signedByPlatformKey).run(), []);
      // The head signed before the loss is a prefix of the tree now: the log continued, it did not restart.
      const now = (await app.inject({ method: 'GET', url: '/api/v1/audit/tree-head', headers: auditor })).json<{
        tree_size: number;
        root_hash: string;
      }>();
      const proof = (
        await app.inject({
          method: 'GET',
          url: `/api/v1/audit/proof/consistency?first=${signed.tree_size}&second=${now.tree_size}`,
          headers: auditor,
        })
      ).json<{ proof: string[] }>();
      assert.ok(
        verifyConsistency(
          signed.tree_size,
          now.tree_size,
          proof.proof.map((hash) => Buffer.from(hash, 'hex')),
          Buffer.from(signed.root_hash, 'hex'),
          Buffer.from(now.root_hash, 'hex'),
        ),
        'consistent across the gap',
      );
      // A gap row without its acknowledgement in the log hides nothing.
      await env.platform.db.query(`UPDATE audit_gaps SET resumes_at = resumes_at + 1`);
      assert.ok(
        (await verifyAuditTree(env.platform.db)).findings.some((f) => /is not acknowledged in the log/.test(f.problem)),
      );
    });

    it('refuses to re-anchor past lost rows whose leaf hashes are gone too', async (t) => {
      const env = await populated(backend);
      cleanupAfter(t, () => env.cleanup());
      const size = await new AuditReader(env.platform.db).size();
      await env.platform.db.query('DELETE FROM audit_logs WHERE leaf_index >= $1', [size - 2]);
      await env.platform.db.query('DELETE FROM audit_tree_nodes WHERE level = 0 AND idx = $1', [size - 2]);
      await assert.rejects(env.platform.audit.acknowledgeGap('x', 'ops'), { errorCode: 'AUDIT_GAP_UNRECOVERABLE' });
      await assert.rejects(env.platform.audit.record({ userId: null, action: 'x.y', resource: 'r' }), {
        errorCode: 'AUDIT_LOG_DAMAGED',
      });
    });

    it('hashes each leaf from the row as stored, and refuses an event the database would not store as given', async (t) => {
      const env = await populated(backend);
      cleanupAfter(t, () => env.cleanup());
      const size = Number(
        (await env.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_logs'))[0]!.n,
      );
      await assert.rejects(
        env.platform.audit.record({
          userId: null,
          action: 'auth.login_failed',
          resource: 'email:\ud800',
          details: { username: '\ud800' },
        }),
        { errorCode: 'INVALID_STRING' },
      );
      assert.equal(
        Number((await env.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_logs'))[0]!.n),
        size,
      );
      const [entry] = await env.platform.audit.recordMany([
        {
          userId: null,
          action: 'test.numbers',
          resource: 'n:1',
          details: { big: 1e21, small: 1e-7, text: 'é\u{1F600}' },
        },
      ]);
      assert.equal(entry!.leaf_index, size);
      assert.deepEqual((await verifyAuditTree(env.platform.db)).findings, []);
    });

    it('appends from writers whose idea of the log’s end went stale land after its real end, and the tree verifies', async (t) => {
      const env = await populated(backend);
      cleanupAfter(t, () => env.cleanup());
      const db = env.platform.db;
      const event = (resource: string) => ({ userId: null, action: 'test.writer', resource });
      const first = new AuditLog(db);
      const second = new AuditLog(db);
      // Each writer learns the end from its own appends: interleaved, every other append finds the log moved on.
      for (let i = 0; i < 6; i += 1) {
        await first.record(event(`first:${i}`));
        await second.record(event(`second:${i}`));
      }
      // Concurrent, from both writers and from inside callers' transactions.
      await Promise.all([
        ...Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? first : second).record(event(`burst:${i}`))),
        db.transaction((tx) => first.record(event('in-a-transaction'), tx)),
      ]);
      // A log that ends at the size a writer expects but with other leaves (its last row replaced, as a restore of
      // another backup would): appending on the frontier the writer remembers would corrupt every later root.
      const [known] = await first.recordMany([event('remembered')]);
      await db.query('DELETE FROM audit_tree_nodes WHERE level = 0 AND idx = $1', [known!.leaf_index]);
      await db.query(
        'DELETE FROM audit_tree_nodes WHERE level > 0 AND ((idx + 1) << level) - 1 = $1 AND (idx << level) <= $1',
        [known!.leaf_index],
      );
      await db.query('DELETE FROM audit_logs WHERE leaf_index = $1', [known!.leaf_index]);
      const [replaced] = await second.recordMany([event('replacement')]);
      assert.equal(replaced!.leaf_index, known!.leaf_index);
      const [after] = await first.recordMany([event('after')]);
      assert.equal(after!.leaf_index, known!.leaf_index + 1);

      const rows = await db.query<{ leaf_index: number }>('SELECT leaf_index FROM audit_logs ORDER BY leaf_index');
      assert.deepEqual(
        rows.map((row) => Number(row.leaf_index)),
        rows.map((_, index) => index),
      );
      assert.deepEqual((await verifyAuditTree(db)).findings, []);
    });

    it('refuses, writing nothing, an event whose row would be stored otherwise than its leaf, however it is appended', async (t) => {
      const env = await populated(backend);
      cleanupAfter(t, () => env.cleanup());
      const db = env.platform.db;
      const writer = new AuditLog(db);
      const count = async () =>
        Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_logs'))[0]!.n);
      // A uuid is stored in lower case: a leaf hashed over capitals would never verify against its row.
      const shouted = { userId: 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE', action: 'test.case', resource: 'r' };
      // The caller's own change goes with the append or not at all.
      await db.query('CREATE TABLE audit_change_probe (note text NOT NULL)');
      const change = { sql: 'INSERT INTO audit_change_probe (note) VALUES ($1)', params: ['must not stay'] };
      const attempts = [
        () => writer.record(shouted),
        () => writer.recordAlong([shouted], change),
        () => db.transaction((tx) => writer.record(shouted, tx)),
      ];
      let before = 0;
      for (const [known, attempt] of [true, false].flatMap((known) => attempts.map((a) => [known, a] as const))) {
        // The writer knows where the log ends after an append of its own (one statement), not after another's.
        if (known) await writer.record({ userId: null, action: 'test.known', resource: 'r' });
        else await env.platform.audit.record({ userId: null, action: 'test.elsewhere', resource: 'r' });
        before = await count();
        await assert.rejects(attempt(), { errorCode: 'INVALID_STRING' });
        assert.equal(await count(), before);
      }
      assert.deepEqual(await db.query('SELECT * FROM audit_change_probe'), []);
      const [entry] = await writer.recordMany([{ ...shouted, userId: shouted.userId.toLowerCase() }]);
      assert.equal(entry!.leaf_index, before);
      assert.deepEqual((await verifyAuditTree(db)).findings, []);
    });

    it('reports a row inserted behind the log', async (t) => {
      const env = await populated(backend);
      cleanupAfter(t, () => env.cleanup());
      await env.platform.db.query(`INSERT INTO audit_logs (action, resource) VALUES ('forged', 'x')`);
      const report = await verifyAuditTree(env.platform.db);
      assert.match(report.findings[0]!.problem, /no leaf index/);
      assert.deepEqual(
        (await new AuditWatch(env.platform.db, signedByPlatformKey).run()).map((finding) => finding.check),
        ['unindexed_rows'],
      );
    });
  });
}

describe('upgrading a log written before the Merkle tree', () => {
  it('adopts the old rows once, in order, and verifies clean afterwards', async (t) => {
    const db = await openPglite(null);
    cleanupAfter(t, () => db.close());
    const all = await readMigrations();
    await migrate(
      db,
      all.filter((migration) => migration.version < '0005'),
    );
    for (let i = 0; i < 9; i += 1) {
      await db.query(
        `INSERT INTO audit_logs (user_id, action, resource, details) VALUES (NULL, 'legacy.event', $1, '{"n": 1}')`,
        [`legacy:${i}`],
      );
    }
    const applied = await migrate(db, all);
    assert.deepEqual(
      applied,
      all.filter((migration) => migration.version >= '0005').map((migration) => migration.version),
    );
    const audit = new AuditLog(db);
    assert.equal(await audit.adoptRowsFromBeforeTheTree(), 9);
    await audit.record({ userId: null, action: 'new.event', resource: 'after' });
    const rows = await db.query<{ resource: string; leaf_index: number }>(
      'SELECT resource, leaf_index FROM audit_logs ORDER BY leaf_index',
    );
    assert.deepEqual(
      rows.map((row) => row.resource),
      [...Array.from({ length: 9 }, (_, i) => `legacy:${i}`), 'after'],
    );
    assert.deepEqual((await verifyAuditTree(db)).findings, []);
  });
});

for (const backend of await backends()) {
  describe(`decision receipts on ${backend}`, () => {
    it('prove a decision is in the log under a signed tree head, checkable offline', async (t) => {
      const env = await createTestPlatform(backend);
      const ac = await createTestApp('ac', env.platform);
      const pgc = await createTestApp('pgc', env.platform);
      const integrity = await createTestApp('integrity', env.platform);
      cleanupAfter(
        t,
        () => integrity.close(),
        () => pgc.close(),
        () => ac.close(),
        () => env.cleanup(),
      );
      const agent = (await tokenFor(env.platform, ['agent'])).headers;
      const auditor = (await tokenFor(env.platform, ['auditor'])).headers;
      const decision = (
        await pgc.inject({
          method: 'POST',
          url: '/api/v1/enforcement/evaluate',
          headers: agent,
          payload: {
            principal: { type: 'Agent', id: 'bot' },
            action: 'send_external',
            resource: { type: 'Channel', id: 'mail' },
            content: 'card 4111 1111 1111 1111',
          },
        })
      ).json();
      const receipt = await integrity.inject({
        method: 'GET',
        url: `/api/v1/audit/receipts/${decision.decision_id}`,
        headers: auditor,
      });
      assert.equal(receipt.statusCode, 200, receipt.body);
      const body = receipt.json();
      assert.deepEqual(
        {
          decision: body.entry.details.decision,
          bundle_hash: body.entry.details.bundle_hash,
          constitution_hash: body.entry.details.constitution_hash,
        },
        { decision: 'deny', bundle_hash: decision.bundle_hash, constitution_hash: decision.constitution_hash },
      );
      assert.match(body.entry.details.request_digest, /^[0-9a-f]{64}$/);
      assert.ok(!body.leaf_data.includes('4111'), 'the leaf holds a digest, never the content');
      assert.ok(
        checkInclusion(
          body.leaf_data,
          body.leaf_index,
          body.tree_head.tree_size,
          body.audit_path,
          body.tree_head.root_hash,
        ),
      );
      assert.ok(
        (
          await verifyWithPlatformKeys(
            env.platform.db,
            Buffer.from(body.tree_head.signed_data),
            body.tree_head.signature,
          )
        ).valid,
      );
      assert.equal(
        (
          await integrity.inject({
            method: 'GET',
            url: '/api/v1/audit/receipts/00000000-0000-4000-8000-000000000000',
            headers: auditor,
          })
        ).statusCode,
        404,
      );
      assert.equal(
        (
          await integrity.inject({
            method: 'GET',
            url: `/api/v1/audit/receipts/${decision.decision_id}`,
            headers: agent,
          })
        ).statusCode,
        403,
      );
    });
  });
}
