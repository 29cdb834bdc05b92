import type { ErrorCode } from './error-codes.js';
import type { ErrorKind } from './error-kinds.js';

export type { ErrorCode } from './error-codes.js';
export type { ErrorKind } from './error-kinds.js';

/** What a translated error came from (an Error's standard `cause`), kept for logs and for whoever catches it. */
export interface Cause {
  cause?: unknown;
}

/**
 * One error hierarchy for the whole platform. `errorCode` values are a public contract, declared once in
 * error-codes.ts: clients and dashboards match on them, so they never change meaning once shipped.
 */
export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly errorCode: ErrorCode;
  /** When retrying may succeed (locks, limits, outages); null when it will not by itself. */
  readonly retryAfterSeconds: number | null;

  constructor(
    kind: ErrorKind,
    errorCode: ErrorCode,
    detail: string,
    retryAfterSeconds: number | null = null,
    { cause }: Cause = {},
  ) {
    super(detail, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.kind = kind;
    this.errorCode = errorCode;
    this.retryAfterSeconds = retryAfterSeconds === null ? null : Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

export class ValidationError extends AppError {
  constructor(detail: string, errorCode: ErrorCode = 'VALIDATION_ERROR', cause: Cause = {}) {
    super('invalid', errorCode, detail, null, cause);
  }
}

export class AuthenticationError extends AppError {
  constructor(detail = 'Authentication required', errorCode: ErrorCode = 'NOT_AUTHENTICATED', cause: Cause = {}) {
    super('unauthenticated', errorCode, detail, null, cause);
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'Insufficient permissions', errorCode: ErrorCode = 'FORBIDDEN') {
    super('forbidden', errorCode, detail);
  }
}

/** Policy refused a request the gateway was asked to carry: names the logged decisions, each with its receipt. */
export class PolicyDenied extends ForbiddenError {
  constructor(
    detail: string,
    errorCode: ErrorCode,
    readonly decisionIds: readonly string[],
  ) {
    super(detail, errorCode);
  }
}

export class NotFoundError extends AppError {
  constructor(detail = 'Resource not found', errorCode: ErrorCode = 'NOT_FOUND') {
    super('not_found', errorCode, detail);
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, errorCode: ErrorCode = 'CONFLICT', cause: Cause = {}) {
    super('conflict', errorCode, detail, null, cause);
  }
}

/** Well-formed input the platform cannot act on, e.g. constraints that do not type-check and so cannot be compiled. */
export class UnprocessableError extends AppError {
  constructor(detail: string, errorCode: ErrorCode, cause: Cause = {}) {
    super('unprocessable', errorCode, detail, null, cause);
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
