import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { dependencyOf, type ServiceMetrics } from '../metrics.js';

interface ErrorMapping {
  status: number;
  code: string;
  detail?: string;
}

const FRAMEWORK_ERRORS: Record<string, ErrorMapping> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE', detail: 'Request body is larger than the limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'Content-Type must be application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_CONTENT_LENGTH' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'INVALID_JSON', detail: 'Body is empty but Content-Type is application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON', detail: 'Body is not valid JSON' },
  FST_ERR_BAD_URL: { status: 400, code: 'BAD_URL', detail: 'Malformed URL' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, code: 'BAD_REQUEST' },
};

/** The router's own refusals (raised before a route is matched), in our codes. */
export function routerErrorMapping(code: string): { status: number; code: string; detail: string } {
  if (code === 'FST_ERR_MAX_PARAM_LENGTH') return { status: 414, code: 'PATH_PARAMETER_TOO_LONG', detail: 'A path segment is longer than any identifier this API uses' };
  if (code === 'FST_ERR_BAD_URL') return { status: 400, code: 'BAD_URL', detail: 'Malformed URL: a path segment is not valid percent-encoded UTF-8' };
  return { status: 400, code: 'BAD_REQUEST', detail: 'The request could not be routed' };
}

export function errorBody(request: FastifyRequest, errorCode: string, detail: string) {
  return { detail, error_code: errorCode, timestamp: new Date().toISOString(), request_id: request.id };
}

function classify(error: FastifyError): ErrorMapping {
  if (error instanceof AppError) return { status: error.statusCode, code: error.errorCode, detail: error.message };
  if (error.validation !== undefined) return { status: 400, code: 'VALIDATION_ERROR', detail: error.message };
  const known = error.code === undefined ? undefined : FRAMEWORK_ERRORS[error.code];
  if (known !== undefined) return known;
  // JSON.parse failures raised by the body parser arrive as plain SyntaxErrors with a 400 status.
  if (error instanceof SyntaxError && error.statusCode === 400) return { status: 400, code: 'INVALID_JSON', detail: 'Body is not valid JSON' };
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, code: 'BAD_REQUEST', detail: error.message };
  }
  return { status: 500, code: 'INTERNAL_ERROR', detail: 'Internal server error' };
}

/** Every error leaves in one shape; 4xx are the caller's and logged quietly, 5xx are ours and logged with a stack. */
export function installErrorHandling(app: FastifyInstance, service: string, metrics: ServiceMetrics): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const mapping = classify(error);
    if (mapping.status === 503) {
      metrics.errors.inc({ service, type: mapping.code, severity: 'warning' });
      const dependency = dependencyOf(mapping.code);
      if (dependency !== null) metrics.serviceCalls.inc({ source: service, target: dependency, status: 'error' });
    } else if (mapping.status >= 500) {
      request.log.error({ err: error }, 'request failed');
      metrics.errors.inc({ service, type: error.name || 'Error', severity: 'critical' });
    }
    if (error instanceof AppError) reply.headers(error.headers);
    return reply.status(mapping.status).send(errorBody(request, mapping.code, mapping.detail ?? error.message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody(request, 'NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}
