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
  });
}
