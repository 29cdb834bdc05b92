import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { AppError } from '../domain/errors.js';
import { VERSION } from './version.js';

/**
 * OpenTelemetry traces, exported over OTLP when the standard variables ask for it. Off (the default) nothing of the
 * SDK is loaded and every span helper here runs its work directly: the cost is one boolean per call.
 */
let enabled = false;

export const tracer = trace.getTracer('acgs-pgp', VERSION);

/** Whether an OTLP endpoint for traces is configured and the SDK not disabled (OTEL_SDK_DISABLED). */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true') return false;
  if (tracesExporters(env).includes('none')) return false;
  return Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim() || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim());
}

/** The exporters OTEL_TRACES_EXPORTER names (none named: the SDK's default, otlp). */
const tracesExporters = (env: NodeJS.ProcessEnv): string[] =>
  (env['OTEL_TRACES_EXPORTER'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');

/** Whether spans are being recorded in this process. */
export const tracingEnabled = () => enabled;

export interface Tracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK for traces only (metrics stay Prometheus, logs stay JSON on stdout), configured by
 * the standard variables: OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME,
 * OTEL_TRACES_SAMPLER(_ARG), OTEL_RESOURCE_ATTRIBUTES, OTEL_PROPAGATORS. Null when they ask for nothing.
 */
export async function startTracing(serviceName: string): Promise<Tracing | null> {
  // The SDK reads the process's own variables; so does this decision.
  const env = process.env;
  if (!tracingConfigured(env)) return null;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  // OTLP (the default exporter) encodes and sends from a thread of its own; any other exporter the variables name is
  // the SDK's own, in this thread.
  const traceExporter = tracesExporters(env).every((name) => name === 'otlp')
    ? new (await import('./span-export/thread-exporter.js')).ThreadSpanExporter()
    : undefined;
  const sdk = new NodeSDK({
    ...(traceExporter === undefined ? {} : { traceExporter }),
    // OTEL_SERVICE_NAME, when set, names the service; ours is the default.
    ...(env['OTEL_SERVICE_NAME']?.trim() ? {} : { serviceName }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  enabled = true;
  return {
    shutdown: async () => {
      enabled = false;
      await sdk.shutdown();
    },
  };
}

/** The recording span in force (to annotate: attributes, events), or null when there is none or tracing is off. */
export function spanInForce(): Span | null {
  if (!enabled) return null;
  const span = trace.getActiveSpan();
  return span !== undefined && span.isRecording() ? span : null;
}

/** The trace and span ids of the span in force, for log lines and records; null outside a recorded span. */
export function activeTraceIds(): { trace_id: string; span_id: string } | null {
  const span = spanInForce();
  if (span === null) return null;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** A span that records nothing, handed to work when tracing is off. */
const UNRECORDED = trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 });

/** A span kept open until its work is done, however long that takes (a streamed answer's). */
export interface OpenSpan {
  readonly span: Span;
  /** Runs work with this span in force, so the spans it starts are its children. */
  within<T>(work: () => T): T;
  /** Marks the span failed: the error's code, never its message, which may quote what was sent. */
  fail(error: unknown): void;
  /** Ends the span; later calls do nothing. */
  end(): void;
}

const UNRECORDED_OPEN: OpenSpan = {
  span: UNRECORDED,
  within: (work) => work(),
  fail: () => undefined,
  end: () => undefined,
};

/** Starts a span, a child of the span in force (or of `parent`); the caller ends it. */
export function openSpan(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context; links?: Link[] } = {},
): OpenSpan {
  if (!enabled) return UNRECORDED_OPEN;
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.links ? { links: options.links } : {}),
    },
    parent,
  );
  const inForce = trace.setSpan(parent, span);
  let ended = false;
  return {
    span,
    within: (work) => context.with(inForce, work),
    fail: (error) => {
      const code = error instanceof AppError ? error.errorCode : 'INTERNAL_ERROR';
      span.setAttribute('error.type', code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
    },
    end: () => {
      if (ended) return;
      ended = true;
      span.end();
    },
  };
}

/** Runs work in a span of its own (see openSpan), ended when the work settles, failed when it throws. */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context; links?: Link[] },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  if (!enabled) return work(UNRECORDED);
  const open = openSpan(name, options);
  try {
    return await open.within(() => work(open.span));
  } catch (error) {
    open.fail(error);
    throw error;
  } finally {
    open.end();
  }
}

/**
 * A stream whose every step runs in an open span (so what each step starts is its child, whoever reads the stream),
 * the span ended when the stream ends, fails or is left.
 */
export async function* inOpenSpan<T>(open: OpenSpan, source: AsyncGenerator<T, void>): AsyncGenerator<T, void> {
  try {
    for (;;) {
      const next = await open.within(() => source.next());
      if (next.done === true) return;
      yield next.value;
    }
  } catch (error) {
    open.fail(error);
    throw error;
  } finally {
    await open.within(() => source.return());
    open.end();
  }
}

/** W3C trace context from a carrier (HTTP headers, an MCP request's `_meta`), over the context in force. */
export function contextFrom(carrier: Record<string, unknown> | undefined): Context {
  const active = context.active();
  if (!enabled || carrier === undefined || typeof carrier['traceparent'] !== 'string') return active;
  return propagation.extract(ROOT_CONTEXT, carrier, {
    get: (from, key) => {
      const value = from[key];
      return typeof value === 'string' ? value : undefined;
    },
    keys: (from) => Object.keys(from),
  });
}

/**
 * Where work that runs from a queue (a verification job, a synthesis run) is traced: a root span of its own, long
 * after or far from the request that queued it, linked to that request when its `traceparent` was kept.
 */
export function queuedWork(traceparent: string | null): { parent: Context; links: Link[] } {
  const linked = !enabled || traceparent === null ? undefined : trace.getSpanContext(contextFrom({ traceparent }));
  return { parent: ROOT_CONTEXT, links: linked === undefined ? [] : [{ context: linked }] };
}

/** The span in force as a W3C `traceparent`, to keep with work queued for later (see queuedWork); null without one. */
export function currentTraceparent(): string | null {
  return traceHeaders()['traceparent'] ?? null;
}

/**
 * A callback that runs in no trace, whatever was in force where it was registered or fired: a database notification
 * belongs to no request, though on PGlite it fires inside the transaction that sent it.
 */
export function outsideTraces<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void {
  return (...args) => context.with(ROOT_CONTEXT, () => callback(...args));
}

/** The span in force as W3C trace context (`traceparent`, `tracestate`) for a call onwards; empty when off. */
export function traceHeaders(): Record<string, string> {
  if (!enabled) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

export { SpanKind };
