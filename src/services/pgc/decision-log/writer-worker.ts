// The decision writer's thread: its own PostgreSQL pool and audit log, and an event loop that does nothing else, so
// each statement's answer is read the moment it arrives instead of after whatever requests the server is busy with.
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../../../domain/errors.js';
import { AuditLog } from '../../../platform/audit/log.js';
import { openPostgres, type PostgresPoolOptions } from '../../../platform/db/postgres.js';
import { DatabaseDecisionWriter, type DecisionRecord } from './writer.js';
import type { ThreadReply } from './threaded-writer.js';

const port = parentPort!;
const reply = (message: ThreadReply) => port.postMessage(message);

try {
  const db = await openPostgres(workerData as PostgresPoolOptions);
  let appendSeconds: number[] = [];
  const writer = new DatabaseDecisionWriter(new AuditLog(db, (seconds) => appendSeconds.push(seconds)));
  port.on('message', (message: { id: number; records: DecisionRecord[] } | { close: true }) => {
    if ('close' in message) {
      void db.close().finally(() => port.close());
      return;
    }
    writer.write(message.records).then(
      (leaves) => {
        reply({ id: message.id, appendSeconds, leaves });
        appendSeconds = [];
      },
      (error: unknown) =>
        reply({
          id: message.id,
          appendSeconds: [],
          error:
            error instanceof AppError
              ? { kind: error.kind, code: error.errorCode, detail: error.message, retryAfter: error.retryAfterSeconds }
              : { kind: 'internal', code: 'INTERNAL_ERROR', detail: String(error), retryAfter: null },
        }),
    );
  });
  reply({ ready: true });
} catch (error) {
  reply({ failed: String(error) });
}
