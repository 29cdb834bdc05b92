import type { Worker } from 'node:worker_threads';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { siblingModule, startWorker } from '../threads/start-worker.js';
import type { ExportAsk, ExportReply, ExportRequest } from './export-worker.js';
import { batchRecord } from './span-record.js';

/**
 * An OTLP span exporter whose encoding and sending run on a thread of its own: the batch span processor hands it
 * finished spans, they cross as plain data (one structured clone per batch), and the thread's exporter — the one the
 * standard variables describe — does the rest. The request path keeps only recording. A thread that dies fails what
 * it was exporting and is started again for the next batch.
 */
export class ThreadSpanExporter implements SpanExporter {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: ExportReply) => void>();
  private shutDown = false;

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.ask({ export: batchRecord(spans) }).then((reply) =>
      done(
        reply.ok
          ? { code: ExportResultCode.SUCCESS }
          : { code: ExportResultCode.FAILED, error: new Error(reply.error ?? 'the span export failed') },
      ),
    );
  }

  async forceFlush(): Promise<void> {
    if (this.worker !== null) await this.ask({ flush: true });
  }

  async shutdown(): Promise<void> {
    if (this.shutDown) return;
    const reply = this.worker === null ? null : await this.ask({ shutdown: true });
    this.shutDown = true;
    await this.worker?.terminate();
    if (reply !== null && !reply.ok) throw new Error(reply.error ?? 'the span exporter did not shut down cleanly');
  }

  private ask(request: ExportAsk): Promise<ExportReply> {
    if (this.shutDown) return Promise.resolve({ id: 0, ok: false, error: 'the span exporter is shut down' });
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      worker.postMessage({ id, ...request } satisfies ExportRequest);
    });
  }

  private start(): Worker {
    const worker = startWorker(siblingModule(import.meta.url, 'export-worker'));
    // Spans waiting to leave never keep the process alive; shutdown flushes them.
    worker.unref();
    let lost = 'the span export thread ended';
    worker.on('message', (reply: ExportReply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    worker.on('error', (error) => (lost = `the span export thread failed: ${error.message}`));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = null;
      for (const answer of this.waiting.values()) answer({ id: 0, ok: false, error: lost });
      this.waiting.clear();
    });
    return worker;
  }
}
