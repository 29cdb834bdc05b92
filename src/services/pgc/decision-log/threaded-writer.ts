import type { Worker } from 'node:worker_threads';
import { AppError, ServiceUnavailableError, type ErrorKind } from '../../../domain/errors.js';
import type { ErrorCode } from '../../../domain/error-codes.js';
import type { PostgresPoolOptions } from '../../../platform/db/postgres.js';
import { siblingModule, startWorker } from '../../../platform/threads/start-worker.js';
import type { DecisionRecord, DecisionWriter } from './writer.js';

/** What the writer's thread says: it is ready, it could not start, or how a write went. */
export type ThreadReply =
  | { ready: true }
  | { failed: string }
  | (WriteReply & {
      /** The records' leaf indexes in the audit log. */
      leaves: number[];
    })
  | (WriteReply & { error: { kind: ErrorKind; code: ErrorCode; detail: string; retryAfter: number | null } });

/** How a write went: written (its leaves), or not (why). */
interface WriteReply {
  id: number;
  /** How long each audit append in the write held the log (for the process's append histogram). */
  appendSeconds: number[];
}

const unavailable = (why: string) =>
  new ServiceUnavailableError(`The decision log writer is unavailable (${why})`, 'AUDIT_UNAVAILABLE', 5);

/**
 * Writes decisions from a thread of its own (PostgreSQL only: PGlite lives in the main thread). Under load the
 * server's event loop is busy deciding, and a transaction of five statements waited ~3.7 ms for the loop at each
 * statement (18 ms BEGIN to COMMIT, 8.5 ms of it holding the audit lock). A thread that crashes fails what it was
 * writing with 503 AUDIT_UNAVAILABLE (nothing unlogged is answered) and is started again on the next write.
 */
export class ThreadDecisionWriter implements DecisionWriter {
  private worker: Promise<Worker> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (leaves: number[]) => void; reject: (error: Error) => void }>();
  private closed = false;

  constructor(
    private readonly pool: PostgresPoolOptions,
    private readonly onAppend: (seconds: number) => void,
  ) {}

  async write(records: readonly DecisionRecord[]): Promise<number[]> {
    if (this.closed) throw unavailable('the service is shutting down');
    const worker = await (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise<number[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, records });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = await this.worker?.catch(() => null);
    if (worker === undefined || worker === null) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ close: true });
    await exited;
  }

  private start(): Promise<Worker> {
    const worker = startWorker(siblingModule(import.meta.url, 'writer-worker'), { workerData: this.pool });
    const started = new Promise<Worker>((resolve, reject) => {
      worker.on('message', (message: ThreadReply) => {
        if ('ready' in message) resolve(worker);
        else if ('failed' in message) reject(unavailable(message.failed));
        else this.settle(message);
      });
      worker.once('exit', () => reject(unavailable('its thread ended while starting')));
    });
    let lost = 'its thread ended';
    worker.on('error', (error) => {
      lost = `its thread failed: ${error.message}`;
    });
    worker.on('exit', () => {
      this.worker = null;
      for (const waiter of this.pending.values()) waiter.reject(unavailable(lost));
      this.pending.clear();
    });
    // A thread that cannot start is not kept: the next write tries again.
    started.catch(() => {
      this.worker = null;
      void worker.terminate();
    });
    return started;
  }

  private settle(message: Extract<ThreadReply, { id: number }>): void {
    const waiter = this.pending.get(message.id);
    if (waiter === undefined) return;
    this.pending.delete(message.id);
    for (const seconds of message.appendSeconds) this.onAppend(seconds);
    if ('leaves' in message) return waiter.resolve(message.leaves);
    const { kind, code, detail, retryAfter } = message.error;
    waiter.reject(
      kind === 'unavailable'
        ? new ServiceUnavailableError(detail, code, retryAfter ?? 5)
        : new AppError(kind, code, detail, retryAfter),
    );
  }
}
