// The span export thread: the OTLP exporter the standard variables describe, fed batches of finished spans as plain
// data. Encoding OTLP (protobuf or JSON) and sending it was half of what tracing cost the request path; here it costs
// a thread of its own instead.
import { parentPort } from 'node:worker_threads';
import { getStringFromEnv, type ExportResult } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { readableSpans, type BatchRecord } from './span-record.js';

/** What the main thread asks: export a batch, flush, or shut down. */
export type ExportAsk = { export: BatchRecord } | { flush: true } | { shutdown: true };
export type ExportRequest = ExportAsk & { id: number };

/** What this thread answers: how an export, a flush or the shutdown went. */
export interface ExportReply {
  id: number;
  ok: boolean;
  error?: string;
}

const port = parentPort!;

/** The exporter OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL names, as the Node SDK chooses it; each reads its own variables. */
async function exporterFromEnv(): Promise<SpanExporter> {
  const protocol =
    getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL') ??
    'http/protobuf';
  if (protocol === 'grpc') return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
  if (protocol === 'http/json')
    return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
}

const exporter = exporterFromEnv();
const reply = (message: ExportReply) => port.postMessage(message);
const failed = (id: number, error: unknown) =>
  reply({ id, ok: false, error: error instanceof Error ? error.message : String(error) });

port.on('message', (request: ExportRequest) => {
  exporter
    .then((target) => {
      if ('export' in request)
        target.export(readableSpans(request.export), (result: ExportResult) =>
          reply({ id: request.id, ok: result.code === 0, ...(result.error ? { error: result.error.message } : {}) }),
        );
      else if ('flush' in request)
        return (target.forceFlush?.() ?? Promise.resolve()).then(() => reply({ id: request.id, ok: true }));
      else
        return target.shutdown().then(() => {
          reply({ id: request.id, ok: true });
          port.close();
        });
    })
    // An exporter that could not be made, or a batch it could not take, fails that request and keeps the thread.
    .catch((error: unknown) => failed(request.id, error));
});
