import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import type { ServiceName } from '../config.js';
import { contextFrom, SpanKind, tracer } from '../tracing.js';

/**
 * A server span per request, a child of the caller's W3C `traceparent` when it sent one; everything the request does
 * (hooks, handler, the decision and its log append) runs inside it. Ended when the response closes, so a hijacked
 * reply (the MCP endpoint's stream) and a client that hangs up end it too. The query string is left out: it can carry
 * what a span must not.
 */
export function traceRequests(app: FastifyInstance, service: ServiceName): void {
  app.addHook('onRequest', (request, reply, done) => {
    const parent = contextFrom(request.headers as Record<string, unknown>);
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      route === undefined ? request.method : `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?', 1)[0]!,
          ...(route === undefined ? {} : { 'http.route': route }),
          'acgs.service': service,
          'acgs.request_id': request.id,
        },
      },
      parent,
    );
    reply.raw.once('close', () => {
      const status = reply.raw.statusCode;
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), done);
  });
}
