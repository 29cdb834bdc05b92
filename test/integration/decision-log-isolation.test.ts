import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { DecisionLog } from '../../src/services/pgc/decision-log/log.js';
import {
  DatabaseDecisionWriter,
  type DecisionRecord,
  type DecisionWriter,
} from '../../src/services/pgc/decision-log/writer.js';
import { ThreadDecisionWriter } from '../../src/services/pgc/decision-log/threaded-writer.js';
import { AppError, ServiceUnavailableError } from '../../src/domain/errors.js';
import { verifyAuditTree } from '../../src/platform/audit/verify.js';
import { backends, createTestPlatform, cleanupAfter, type TestPlatform } from '../support/harness.js';

const record = (content: string): DecisionRecord => ({
  id: randomUUID(),
  createdAt: new Date(),
  callerId: null,
  principal: { type: 'Agent', id: 'a' },
  action: 'generate',
  resource: { type: 'Model', id: 'm' },
  context: {},
  contentDigest: null,
  content,
  decision: 'allow',
  reasons: [],
  findings: [],
  obligations: [],
  bundleHash: null,
  constitutionHash: null,
  latencyUs: 1,
  requestId: randomUUID(),
  requestDigest: 'd',
  approvalId: null,
  traceId: null,
});

/** A thread writer on the platform's own PostgreSQL. */
function threadWriter(env: TestPlatform, onAppend: (seconds: number) => void = () => undefined): ThreadDecisionWriter {
  const { database } = env.platform.config;
  assert.equal(database.kind, 'postgres');
  return new ThreadDecisionWriter({ url: database.url, size: 2, maxOverflow: 0, timeoutMs: 5000 }, onAppend);
}

for (const backend of await backends()) {
  describe(`decision log group commit on ${backend}`, () => {
    const writers: Record<string, (env: TestPlatform) => DecisionWriter> = {
      'in this thread': (env) => new DatabaseDecisionWriter(env.platform.audit),
      ...(backend === 'postgres' ? { 'from its own thread': threadWriter } : {}),
    };
    for (const [where, writerFor] of Object.entries(writers))
      it(`fails only the row the database refuses, and commits every other row of its batch (written ${where})`, async (t) => {
        const env = await createTestPlatform(backend);
        cleanupAfter(t, () => env.cleanup());
        const writer = writerFor(env);
        cleanupAfter(t, () => writer.close());
        // One batch (maxBatch 64, 50 ms window) holding one row PostgreSQL cannot store.
        const log = new DecisionLog(env.platform.db, writer, {
          maxBatch: 64,
          maxWaitMs: 50,
        });
        const records = Array.from({ length: 40 }, (_, index) =>
          record(index === 17 ? 'bad \u0000 byte' : `fine ${index}`),
        );
        const outcomes = await Promise.allSettled(records.map((item) => log.append(item)));
        assert.deepEqual(
          outcomes.map((outcome, index) => (outcome.status === 'fulfilled' ? index : -1)).filter((index) => index >= 0)
            .length,
          39,
        );
        const failed = outcomes[17]!;
        assert.equal(failed.status, 'rejected');
        // The caller hears why, as the same error whichever thread wrote.
        assert.ok(failed.reason instanceof AppError);
        assert.equal(failed.reason.errorCode, 'INVALID_STRING');
        const stored = await env.platform.db.query<{ id: string }>(
          'SELECT id FROM decisions WHERE id = ANY($1::uuid[])',
          [records.map((item) => item.id)],
        );
        assert.equal(stored.length, 39);
        assert.ok(!stored.some((row) => row.id === records[17]!.id));
      });

    it('writes at once when idle, one transaction for the decisions made in the same turn, not after its wait', async (t) => {
      const env = await createTestPlatform(backend);
      cleanupAfter(t, () => env.cleanup());
      // A wait no test would sit through: an idle log that used it would lose the race below.
      const log = new DecisionLog(env.platform.db, new DatabaseDecisionWriter(env.platform.audit), {
        maxWaitMs: 60_000,
      });
      const together = Array.from({ length: 3 }, (_, index) => record(`together ${index}`));
      const written = Promise.all(together.map((item) => log.append(item))).then(() => 'written');
      const waited = new Promise((resolve) => setTimeout(() => resolve('waited'), 10_000).unref());
      assert.equal(await Promise.race([written, waited]), 'written');
      const batches = await env.platform.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM decisions WHERE id = ANY($1::uuid[]) GROUP BY xmin::text',
        [together.map((item) => item.id)],
      );
      assert.deepEqual(
        batches.map((batch) => batch.n),
        [3],
      );
    });

    if (backend === 'postgres') {
      it('writes from its own thread: rows and audit leaves committed, each append reported', async (t) => {
        const env = await createTestPlatform(backend);
        cleanupAfter(t, () => env.cleanup());
        const appends: number[] = [];
        const writer = threadWriter(env, (seconds) => appends.push(seconds));
        cleanupAfter(t, () => writer.close());
        const records = Array.from({ length: 5 }, (_, index) => record(`threaded ${index}`));
        await writer.write(records);
        const stored = await env.platform.db.query<{ n: number }>(
          `SELECT (SELECT count(*)::int FROM decisions WHERE id = ANY($1::uuid[])) +
                  (SELECT count(*)::int FROM audit_logs WHERE resource = ANY($2::text[])) AS n`,
          [records.map((item) => item.id), records.map((item) => `decision:${item.id}`)],
        );
        assert.equal(stored[0]!.n, 10);
        assert.equal(appends.length, 1);
        assert.deepEqual((await verifyAuditTree(env.platform.db)).findings, []);
      });

      it('answers 503 AUDIT_UNAVAILABLE, never hangs, when its thread cannot reach the database or has closed', async () => {
        const unreachable = new ThreadDecisionWriter(
          { url: 'postgres://nobody@127.0.0.1:1/none', size: 1, maxOverflow: 0, timeoutMs: 1000 },
          () => undefined,
        );
        for (let attempt = 0; attempt < 2; attempt += 1) {
          await assert.rejects(unreachable.write([record('lost')]), (error: unknown) => {
            assert.ok(error instanceof ServiceUnavailableError);
            assert.equal(error.errorCode, 'AUDIT_UNAVAILABLE');
            return true;
          });
        }
        await unreachable.close();
        await assert.rejects(unreachable.write([record('after close')]), ServiceUnavailableError);
      });
    }

    // Needs a second session to hold the audit lock, which PGlite (one connection) does not have.
    if (backend === 'postgres')
      it('groups what arrives while a batch commits into the next one, instead of queueing commits', async (t) => {
        const env = await createTestPlatform(backend);
        cleanupAfter(t, () => env.cleanup());
        const other = await createTestPlatform(backend, { schema: env.schema! });
        cleanupAfter(t, () => other.cleanup());
        // Another session holds the audit append lock, so the first batch waits inside its transaction, as a slow
        // commit would; what arrives meanwhile, in five bursts further apart than the 1 ms window, must wait too and
        // go as one batch — not as five more transactions queued on the lock.
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let locked!: () => void;
        const lockTaken = new Promise<void>((resolve) => (locked = resolve));
        const holder = other.platform.db.transaction(async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock($1)', [727_170_4]);
          locked();
          await held;
        });
        await lockTaken;
        const log = new DecisionLog(env.platform.db, new DatabaseDecisionWriter(env.platform.audit), {
          maxBatch: 1000,
          maxWaitMs: 1,
          maxInFlight: 1,
        });
        const first = Array.from({ length: 20 }, (_, index) => record(`first ${index}`));
        const appended = first.map((item) => log.append(item));
        const later = [];
        for (let burst = 0; burst < 5; burst += 1) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          for (let index = 0; index < 10; index += 1) {
            const item = record(`burst ${burst} ${index}`);
            later.push(item);
            appended.push(log.append(item));
          }
        }
        release();
        await holder;
        await Promise.all(appended);
        // Rows one transaction inserted share its xmin.
        const batches = await env.platform.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM decisions WHERE id = ANY($1::uuid[]) GROUP BY xmin::text ORDER BY n',
          [[...first, ...later].map((item) => item.id)],
        );
        assert.deepEqual(
          batches.map((batch) => batch.n),
          [20, 50],
        );
      });
  });
}
