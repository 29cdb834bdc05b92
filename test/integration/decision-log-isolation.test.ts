import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { DecisionLog, type DecisionRecord } from '../../src/services/pgc/decision-log.js';
import { backends, createTestPlatform, cleanupAfter } from '../support/harness.js';

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
});

for (const backend of await backends()) {
  describe(`decision log group commit on ${backend}`, () => {
    it('fails only the row the database refuses, and commits every other row of its batch', async (t) => {
      const env = await createTestPlatform(backend);
      cleanupAfter(t, () => env.cleanup());
      // One batch (maxBatch 64, 50 ms window) holding one row PostgreSQL cannot store.
      const log = new DecisionLog(env.platform.db, env.platform.audit, 64, 50);
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
      const stored = await env.platform.db.query<{ id: string }>(
        'SELECT id FROM decisions WHERE id = ANY($1::uuid[])',
        [records.map((item) => item.id)],
      );
      assert.equal(stored.length, 39);
      assert.ok(!stored.some((row) => row.id === records[17]!.id));
    });

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
        const log = new DecisionLog(env.platform.db, env.platform.audit, 1000, 1, 1);
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
