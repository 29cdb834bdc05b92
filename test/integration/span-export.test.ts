import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ThreadSpanExporter } from '../../src/platform/span-export/thread-exporter.js';
import { OtlpReceiver } from '../support/otlp-receiver.js';

function finishedSpans(name: string) {
  const memory = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer('acgs-pgp');
  tracer.startSpan(name, { attributes: { 'acgs.decision': 'deny' } }).end();
  return memory.getFinishedSpans();
}

const exported = (exporter: ThreadSpanExporter, name: string) =>
  new Promise<ExportResult>((resolve) => exporter.export(finishedSpans(name), resolve));

// The export thread reads the standard variables when it starts, as the SDK's exporter would.
const pointAt = (url: string) => {
  process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] = `${url}/v1/traces`;
  process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] = 'http/json';
};

describe('the span export thread', () => {
  const receiver = new OtlpReceiver();
  let receiverUrl = '';
  // A collector that takes the request and never answers: an export stays in flight.
  const held: IncomingMessage[] = [];
  let holding: Server;
  let holdingUrl = '';

  before(async () => {
    receiverUrl = await receiver.start();
    holding = createServer((request) => held.push(request));
    await new Promise<void>((resolve) => holding.listen(0, '127.0.0.1', resolve));
    holdingUrl = `http://127.0.0.1:${(holding.address() as { port: number }).port}`;
  });
  after(async () => {
    delete process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
    delete process.env['OTEL_EXPORTER_OTLP_PROTOCOL'];
    holding.closeAllConnections();
    await new Promise((resolve) => holding.close(resolve));
    await receiver.close();
  });

  it(
    'exports what it is handed, fails what was in flight when its thread dies, and starts a new thread for the next batch',
    { timeout: 30_000 },
    async () => {
      pointAt(receiverUrl);
      const exporter = new ThreadSpanExporter();
      assert.equal((await exported(exporter, 'first')).code, ExportResultCode.SUCCESS);
      const first = await receiver.waitFor((span) => span.name === 'first', 'the first batch');
      assert.equal(first.attributes['acgs.decision'], 'deny');

      // A thread started now sends to a collector that never answers; it dies with that export in flight.
      await exporter.shutdown();
      pointAt(holdingUrl);
      const stuck = new ThreadSpanExporter();
      const inFlight = exported(stuck, 'stuck');
      while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      // The thread is private; ending it from outside is what a crash in it would do.
      await (stuck as unknown as { worker: Worker }).worker.terminate();
      const failed = await inFlight;
      assert.equal(failed.code, ExportResultCode.FAILED);
      assert.match(String(failed.error?.message), /span export thread/);

      // The next batch gets a thread of its own, which reads the variables as they are now.
      pointAt(receiverUrl);
      assert.equal((await exported(stuck, 'after the crash')).code, ExportResultCode.SUCCESS);
      await receiver.waitFor((span) => span.name === 'after the crash', 'the batch after the crash');

      await stuck.shutdown();
      const late = await exported(stuck, 'too late');
      assert.equal(late.code, ExportResultCode.FAILED);
      assert.ok(!receiver.spans.some((span) => span.name === 'too late'));
    },
  );
});
