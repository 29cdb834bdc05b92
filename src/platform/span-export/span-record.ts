import { createTraceState, type Attributes, type HrTime, type SpanContext, type SpanKind } from '@opentelemetry/api';
import { hrTimeDuration } from '@opentelemetry/core';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A span context as plain data: a W3C trace state travels as its header form. */
interface ContextRecord {
  traceId: string;
  spanId: string;
  traceFlags: number;
  traceState?: string;
  isRemote?: boolean;
}

/**
 * A finished span as plain data — what OTLP export reads of it and nothing more — so a batch crosses to the export
 * thread as one structured clone. Resources and scopes are shared by most spans of a batch, so they travel once per
 * batch and spans name them by index.
 */
export interface SpanRecord {
  name: string;
  kind: SpanKind;
  context: ContextRecord;
  parent?: ContextRecord;
  startTime: HrTime;
  endTime: HrTime;
  status: { code: number; message?: string };
  attributes: Attributes;
  events: { name: string; time: HrTime; attributes?: Attributes; droppedAttributesCount?: number }[];
  links: { context: ContextRecord; attributes?: Attributes; droppedAttributesCount?: number }[];
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
  resource: number;
  scope: number;
}

export interface ResourceRecord {
  attributes: Attributes;
  schemaUrl?: string;
}

export interface ScopeRecord {
  name: string;
  version?: string;
  schemaUrl?: string;
}

/** A batch of finished spans as plain data. */
export interface BatchRecord {
  spans: SpanRecord[];
  resources: ResourceRecord[];
  scopes: ScopeRecord[];
}

function contextRecord(context: SpanContext): ContextRecord {
  const record: ContextRecord = { traceId: context.traceId, spanId: context.spanId, traceFlags: context.traceFlags };
  const state = context.traceState?.serialize();
  if (state) record.traceState = state;
  if (context.isRemote !== undefined) record.isRemote = context.isRemote;
  return record;
}

function spanContextOf(record: ContextRecord): SpanContext {
  return {
    traceId: record.traceId,
    spanId: record.spanId,
    traceFlags: record.traceFlags,
    ...(record.traceState === undefined ? {} : { traceState: createTraceState(record.traceState) }),
    ...(record.isRemote === undefined ? {} : { isRemote: record.isRemote }),
  };
}

/** Indexes of values already seen, so each distinct one is sent once. */
function indexer<K, V>(toRecord: (key: K) => V): { indexOf(key: K): number; records: V[] } {
  const seen = new Map<K, number>();
  const records: V[] = [];
  return {
    indexOf(key) {
      let index = seen.get(key);
      if (index === undefined) {
        index = records.push(toRecord(key)) - 1;
        seen.set(key, index);
      }
      return index;
    },
    records,
  };
}

export function batchRecord(spans: readonly ReadableSpan[]): BatchRecord {
  const resources = indexer((resource: Resource) => ({
    attributes: resource.attributes,
    ...(resource.schemaUrl === undefined ? {} : { schemaUrl: resource.schemaUrl }),
  }));
  // By identity: a tracer hands each of its spans the same scope; the exporter groups by name and version anyway.
  const scopes = indexer(({ name, version, schemaUrl }: ReadableSpan['instrumentationScope']) => ({
    name,
    ...(version === undefined ? {} : { version }),
    ...(schemaUrl === undefined ? {} : { schemaUrl }),
  }));
  const records = spans.map((span): SpanRecord => {
    const record: SpanRecord = {
      name: span.name,
      kind: span.kind,
      context: contextRecord(span.spanContext()),
      startTime: span.startTime,
      endTime: span.endTime,
      status: span.status,
      attributes: span.attributes,
      events: span.events,
      links: span.links.map((link) => ({
        context: contextRecord(link.context),
        ...(link.attributes === undefined ? {} : { attributes: link.attributes }),
        ...(link.droppedAttributesCount === undefined ? {} : { droppedAttributesCount: link.droppedAttributesCount }),
      })),
      droppedAttributesCount: span.droppedAttributesCount,
      droppedEventsCount: span.droppedEventsCount,
      droppedLinksCount: span.droppedLinksCount,
      resource: resources.indexOf(span.resource),
      scope: scopes.indexOf(span.instrumentationScope),
    };
    if (span.parentSpanContext !== undefined) record.parent = contextRecord(span.parentSpanContext);
    return record;
  });
  return { spans: records, resources: resources.records, scopes: scopes.records };
}

/** The batch as spans again, for an exporter: spans of one resource share one Resource, as the exporter groups them. */
export function readableSpans(batch: BatchRecord): ReadableSpan[] {
  const resources = batch.resources.map((resource) =>
    resourceFromAttributes(
      resource.attributes,
      resource.schemaUrl === undefined ? {} : { schemaUrl: resource.schemaUrl },
    ),
  );
  return batch.spans.map((record) => {
    const context = spanContextOf(record.context);
    return {
      name: record.name,
      kind: record.kind,
      spanContext: () => context,
      ...(record.parent === undefined ? {} : { parentSpanContext: spanContextOf(record.parent) }),
      startTime: record.startTime,
      endTime: record.endTime,
      duration: hrTimeDuration(record.startTime, record.endTime),
      ended: true,
      status: record.status,
      attributes: record.attributes,
      events: record.events,
      links: record.links.map((link) => ({ ...link, context: spanContextOf(link.context) })),
      resource: resources[record.resource]!,
      instrumentationScope: batch.scopes[record.scope]!,
      droppedAttributesCount: record.droppedAttributesCount,
      droppedEventsCount: record.droppedEventsCount,
      droppedLinksCount: record.droppedLinksCount,
    };
  });
}
