import type { ErrorObject } from 'ajv';
import { describeValidation } from './validation-messages.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES } from '../../domain/error-codes.js';
import { AppError, PolicyDenied, type ErrorCode, type ErrorKind } from '../../domain/errors.js';
import { dependencyOf, type ServiceMetrics } from '../metrics.js';

/** The one place a kind of error becomes an HTTP status. */
export const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  timeout: 408,
  too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  locked: 423,
  precondition_required: 428,
  rate_limited: 429,
  headers_too_large: 431,
  internal: 500,
  bad_gateway: 502,
  unavailable: 503,
  gateway_timeout: 504,
};

interface ErrorMapping {
  code: ErrorCode;
  detail?: string;
}

/** The status an error code answers with, from its kind in the registry. */
export const statusOf = (code: ErrorCode): number => STATUS_OF_KIND[ERROR_CODES[code].kind];

const FRAMEWORK_ERRORS: Record<string, ErrorMapping> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', detail: 'Request body is larger than the limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'Content-Type must be application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'INVALID_CONTENT_LENGTH' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_JSON', detail: 'Body is empty but Content-Type is application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', detail: 'Body is not valid JSON' },
  FST_ERR_BAD_URL: { code: 'BAD_URL', detail: 'Malformed URL: a path segment is not valid percent-encoded UTF-8' },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: 'PATH_PARAMETER_TOO_LONG',
    detail: 'A path segment is longer than any identifier this API uses',
  },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'BAD_REQUEST' },
};

export function errorBody(request: FastifyRequest, errorCode: ErrorCode, detail: string) {
  return { detail, error_code: errorCode, timestamp: new Date().toISOString(), request_id: request.id };
}

/** OpenAI's error `type` for a status, as its SDKs map statuses to error classes. */
function openAiErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status < 500) return 'invalid_request_error';
  return 'api_error';
}

/**
 * The field a request was refused for, as OpenAI's `param` names it: the JSON Pointer a validation error's detail
 * starts with (`/body/input/0/type: …`, the format every validation detail keeps, docs/errors.md).
 */
const paramOf = (errorCode: ErrorCode, detail: string): string | null =>
  errorCode === 'VALIDATION_ERROR' ? (/^(\/[^\s:;]+):/.exec(detail)?.[1] ?? null) : null;

/**
 * An error in the OpenAI wire shape, carrying ours inside: `code` is our error code (clients read `error.code`),
 * `param` the offending field of a request that did not fit, and a policy's refusal names the decisions that made
 * it, each with a receipt.
 */
export function openAiErrorBody(
  requestId: string,
  status: number,
  errorCode: ErrorCode,
  detail: string,
  decisionIds: readonly string[] = [],
) {
  return {
    error: {
      message: detail,
      type: openAiErrorType(status),
      code: errorCode,
      param: paramOf(errorCode, detail),
      error_code: errorCode,
      request_id: requestId,
      ...(decisionIds.length === 0 ? {} : { decision_ids: [...decisionIds] }),
    },
  };
}

/** The headers an error's kind calls for: how to authenticate, and when a retry may succeed. */
function errorHeaders(error: AppError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.kind === 'unauthenticated') headers['WWW-Authenticate'] = 'Bearer';
  if (error.retryAfterSeconds !== null) headers['Retry-After'] = String(error.retryAfterSeconds);
  return headers;
}

/** The code, status and detail an error answers with: ours from its kind, the framework's (router included) by table. */
export function classify(error: FastifyError): ErrorMapping & { status: number } {
  const mapped = (mapping: ErrorMapping) => ({ ...mapping, status: statusOf(mapping.code) });
  if (error instanceof AppError) return mapped({ code: error.errorCode, detail: error.message });
  if (error.validation !== undefined)
    return mapped({
      code: 'VALIDATION_ERROR',
      detail: describeValidation(error.validation as ErrorObject[], error.validationContext ?? 'body'),
    });
  const known = error.code === undefined ? undefined : FRAMEWORK_ERRORS[error.code];
  if (known !== undefined) return mapped(known);
  // JSON.parse failures raised by the body parser arrive as plain SyntaxErrors with a 400 status.
  if (error instanceof SyntaxError && error.statusCode === 400)
    return mapped({ code: 'INVALID_JSON', detail: 'Body is not valid JSON' });
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, code: 'BAD_REQUEST', detail: error.message };
  }
  return mapped({ code: 'INTERNAL_ERROR', detail: 'Internal server error' });
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
    if (error instanceof AppError) reply.headers(errorHeaders(error));
    const detail = mapping.detail ?? error.message;
    if (request.routeOptions.config.errorShape === 'openai')
      return reply
        .status(mapping.status)
        .send(
          openAiErrorBody(
            request.id,
            mapping.status,
            mapping.code,
            detail,
            error instanceof PolicyDenied ? error.decisionIds : [],
          ),
        );
    return reply.status(mapping.status).send(errorBody(request, mapping.code, detail));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(errorBody(request, 'NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}
