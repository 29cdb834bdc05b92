import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { batchRecord, readableSpans } from '../../src/platform/span-export/span-record.js';

/** Spans as the SDK records them, with every part OTLP carries: a remote parent with trace state, links, events, two scopes. */
function recordedSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'acgs-pgc', 'deployment.environment': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const remote = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 1,
    isRemote: true,
    traceState: createTraceState('vendor=opaque,other=1'),
  };
  const requests = provider.getTracer('acgs-pgp', '1.2.3');
  const parent = requests.startSpan('POST /api/v1/enforcement/evaluate', { kind: SpanKind.SERVER });
  const withRemoteParent = requests.startSpan(
    'execute_tool fs.read',
    {
      kind: SpanKind.INTERNAL,
      attributes: { 'gen_ai.tool.name': 'fs.read', 'acgs.policy_ids': ['a.1', 'b.2'], count: 3, ok: true },
      links: [{ context: parent.spanContext(), attributes: { 'acgs.link': 'asked' } }],
    },
    trace.setSpanContext(ROOT_CONTEXT, remote),
  );
  withRemoteParent.addEvent('acgs.finding', { 'acgs.finding.kind': 'aws_access_key', 'acgs.finding.count': 1 });
  withRemoteParent.setStatus({ code: SpanStatusCode.ERROR, message: 'POLICY_DENIED' });
  withRemoteParent.end();
  parent.end();
  const jobs = provider.getTracer('acgs-jobs');
  jobs.startSpan('acgs.verify conformance').end();
  return exporter.getFinishedSpans();
}

describe('span records for the export thread', () => {
  it('carry every part of a span OTLP encodes: the thread exports the very bytes the SDK would have', () => {
    const spans = recordedSpans();
    assert.equal(spans.length, 3);
    // What crosses to the thread is a structured clone: no functions, no class instances.
    const crossed = structuredClone(batchRecord(spans));
    const decode = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    assert.deepEqual(
      decode(JsonTraceSerializer.serializeRequest(readableSpans(crossed))),
      decode(JsonTraceSerializer.serializeRequest(spans)),
    );
  });

  it('sends each resource and scope once per batch', () => {
    const batch = batchRecord(recordedSpans());
    assert.equal(batch.resources.length, 1);
    assert.deepEqual(
      batch.scopes.map((scope) => scope.name),
      ['acgs-pgp', 'acgs-jobs'],
    );
    assert.deepEqual(
      batch.spans.map((span) => span.scope),
      [0, 0, 1],
    );
  });
});
