import type { Worker } from 'node:worker_threads';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { siblingModule, startWorker } from '../threads/start-worker.js';
import type { ExportAsk, ExportReply, ExportRequest } from './export-worker.js';
import { batchRecord } from './span-record.js';

/**
 * An OTLP span exporter whose encoding and sending run on a thread of its own: the batch span processor hands it
 * finished spans, they cross as plain data (one structured clone per batch), and the thread's exporter — the one the
 * standard variables describe — does the rest. The request path keeps only recording.
 */
export class ThreadSpanExporter implements SpanExporter {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: ExportReply) => void>();
  private gone: string | null = null;

  constructor() {
    this.worker = startWorker(siblingModule(import.meta.url, 'export-worker'));
    // Spans waiting to leave never keep the process alive; shutdown flushes them.
    this.worker.unref();
    this.worker.on('message', (reply: ExportReply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    this.worker.on('error', (error) => (this.gone = `the span export thread failed: ${error.message}`));
    this.worker.on('exit', () => {
      this.gone ??= 'the span export thread ended';
      for (const answer of this.waiting.values()) answer({ id: 0, ok: false, error: this.gone });
      this.waiting.clear();
    });
  }

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
    await this.ask({ flush: true });
  }

  async shutdown(): Promise<void> {
    const reply = await this.ask({ shutdown: true });
    await this.worker.terminate();
    if (!reply.ok) throw new Error(reply.error ?? 'the span exporter did not shut down cleanly');
  }

  private ask(request: ExportAsk): Promise<ExportReply> {
    if (this.gone !== null) return Promise.resolve({ id: 0, ok: false, error: this.gone });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ id, ...request } satisfies ExportRequest);
    });
  }
}
