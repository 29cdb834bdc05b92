import type { ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

/**
 * What went wrong, in the terms a caller acts on. Errors know no transport: the HTTP layer alone maps a kind to a
 * status and headers (the HTTP error handler), so the domain, the CLI and the SDK share one vocabulary.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'too_large'
  | 'uri_too_long'
  | 'unsupported_media_type'
  | 'precondition_required'
  | 'locked'
  | 'rate_limited'
  | 'headers_too_large'
  | 'timeout'
  | 'unavailable'
  | 'internal';

/**
 * One error hierarchy for the whole platform. `errorCode` values are a public contract, declared once in
 * error-codes.ts: clients and dashboards match on them, so they never change meaning once shipped.
 */
export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly errorCode: ErrorCode;
  /** When retrying may succeed (locks, limits, outages); null when it will not by itself. */
  readonly retryAfterSeconds: number | null;

  constructor(kind: ErrorKind, errorCode: ErrorCode, detail: string, retryAfterSeconds: number | null = null) {
    super(detail);
    this.name = new.target.name;
    this.kind = kind;
    this.errorCode = errorCode;
    this.retryAfterSeconds = retryAfterSeconds === null ? null : Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

export class ValidationError extends AppError {
  constructor(detail: string, errorCode: ErrorCode = 'VALIDATION_ERROR') {
    super('invalid', errorCode, detail);
  }
}

export class AuthenticationError extends AppError {
  constructor(detail = 'Authentication required', errorCode: ErrorCode = 'NOT_AUTHENTICATED') {
    super('unauthenticated', errorCode, detail);
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'Insufficient permissions', errorCode: ErrorCode = 'FORBIDDEN') {
    super('forbidden', errorCode, detail);
  }
}

export class NotFoundError extends AppError {
  constructor(detail = 'Resource not found', errorCode: ErrorCode = 'NOT_FOUND') {
    super('not_found', errorCode, detail);
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, errorCode: ErrorCode = 'CONFLICT') {
    super('conflict', errorCode, detail);
  }
}

/** Well-formed input the platform cannot act on, e.g. constraints that do not type-check and so cannot be compiled. */
export class UnprocessableError extends AppError {
  constructor(detail: string, errorCode: ErrorCode) {
    super('unprocessable', errorCode, detail);
  }
}

export class LockedError extends AppError {
  constructor(detail: string, retryAfterSeconds: number, errorCode: ErrorCode = 'ACCOUNT_LOCKED') {
    super('locked', errorCode, detail, retryAfterSeconds);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(
      'rate_limited',
      'RATE_LIMITED',
      `Rate limit exceeded, retry in ${Math.ceil(retryAfterSeconds)} s`,
      retryAfterSeconds,
    );
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(detail: string, errorCode: ErrorCode = 'SERVICE_UNAVAILABLE', retryAfterSeconds = 30) {
    super('unavailable', errorCode, detail, retryAfterSeconds);
  }
}

/** Whether the error is the caller's to fix (as opposed to an outage or our fault). */
export function isCallerError(error: unknown): error is AppError {
  return (
    error instanceof AppError && error.kind !== 'unavailable' && error.kind !== 'internal' && error.kind !== 'timeout'
  );
}
