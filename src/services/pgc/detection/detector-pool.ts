import type { Worker } from 'node:worker_threads';
import { AppError } from '../../../domain/errors.js';
import type { CompiledKeywordList } from '../../../domain/detectors/keywords.js';
import { runDetectors, type DetectionResult } from '../../../domain/detectors/run.js';
import { siblingModule, startWorker } from '../../../platform/threads/start-worker.js';

const DETECTOR_WORKER = siblingModule(import.meta.url, 'detector-worker');

export interface DetectorPoolOptions {
  keywordLists: readonly CompiledKeywordList[];
  /** Content of at least this many UTF-16 units is scanned on a detector thread; smaller content here. */
  offThreadFrom: number;
  /** A scan that takes longer is abandoned (its thread replaced) and the request refused, never decided unscanned. */
  timeoutMs: number;
}

interface Pending {
  resolve: (result: DetectionResult) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Runs the detectors where they cannot stall the process: small content inline (a thread hop costs more than the
 * scan), large content on one detector thread, started on first use and replaced when a scan overruns its budget.
 */
export class DetectorPool {
  private worker: { thread: Worker; ready: Promise<void> } | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(private readonly options: DetectorPoolOptions) {}

  /** The detectors on this thread, now: for content known to be small (a streamed answer's held window). */
  detectHere(content: string): DetectionResult {
    return runDetectors(content, this.options.keywordLists);
  }

  async detect(content: string): Promise<DetectionResult> {
    if (content.length < this.options.offThreadFrom) return this.detectHere(content);
    const { thread: worker, ready } = this.thread();
    // The budget is the scan's: a thread still loading (a first scan, or one after a replacement) is waited for.
    await ready;
    const id = (this.nextId += 1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        const overran = new AppError(
          'unavailable',
          'DETECTOR_TIMEOUT',
          `The content detectors did not finish within ${this.options.timeoutMs} ms; the request was not decided`,
        );
        reject(overran);
        this.replace(worker, overran);
      }, this.options.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, content });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll(new AppError('unavailable', 'SERVICE_UNAVAILABLE', 'The service is shutting down'));
    await worker?.thread.terminate();
  }

  private thread(): { thread: Worker; ready: Promise<void> } {
    if (this.worker !== null) return this.worker;
    const worker = startWorker(DETECTOR_WORKER, { workerData: [...this.options.keywordLists] });
    worker.unref();
    let loaded: () => void = () => undefined;
    let failed: (error: AppError) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      loaded = resolve;
      failed = reject;
    });
    // A thread that dies while loading fails whoever waits for it, once; a rejection nobody waits for is no crash.
    ready.catch(() => undefined);
    worker.on('message', (message: { id: number; result: DetectionResult } | { ready: true }) => {
      if ('ready' in message) {
        loaded();
        return;
      }
      const pending = this.pending.get(message.id);
      if (pending === undefined) return;
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      pending.resolve(message.result);
    });
    const lost = (why: string) => {
      const error = new AppError('unavailable', 'DETECTOR_FAILED', why);
      failed(error);
      this.replace(worker, error);
    };
    worker.on('error', (error) => lost(`The detector thread failed: ${error.message}`));
    worker.on('exit', (code) => lost(`The detector thread exited with code ${code}`));
    this.worker = { thread: worker, ready };
    return this.worker;
  }

  /** Drops a thread that overran or died; every scan it held is refused, and the next scan starts a fresh one. */
  private replace(worker: Worker, error: AppError): void {
    if (this.worker?.thread !== worker) return;
    this.worker = null;
    this.failAll(error);
    void worker.terminate();
  }

  private failAll(error: AppError): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(id);
    }
  }
}
