/**
 * One error hierarchy for the whole platform. `errorCode` values are a public contract: clients and
 * dashboards match on them, so they never change meaning once shipped.
 */
export class AppError extends Error {
  readonly statusCode: number;
  readonly errorCode: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, errorCode: string, detail: string, headers: Record<string, string> = {}) {
    super(detail);
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.errorCode = errorCode;
    this.headers = headers;
  }
}

export class ValidationError extends AppError {
  constructor(detail: string, errorCode = 'VALIDATION_ERROR') {
    super(400, errorCode, detail);
  }
}

export class AuthenticationError extends AppError {
  constructor(detail = 'Authentication required', errorCode = 'NOT_AUTHENTICATED') {
    super(401, errorCode, detail, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'Insufficient permissions', errorCode = 'FORBIDDEN') {
    super(403, errorCode, detail);
  }
}

export class NotFoundError extends AppError {
  constructor(detail = 'Resource not found', errorCode = 'NOT_FOUND') {
    super(404, errorCode, detail);
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, errorCode = 'CONFLICT') {
    super(409, errorCode, detail);
  }
}

export class LockedError extends AppError {
  constructor(detail: string, retryAfterSeconds: number, errorCode = 'ACCOUNT_LOCKED') {
    super(423, errorCode, detail, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(429, 'RATE_LIMITED', `Rate limit exceeded, retry in ${Math.ceil(retryAfterSeconds)} s`, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(detail: string, errorCode = 'SERVICE_UNAVAILABLE', retryAfterSeconds = 30) {
    super(503, errorCode, detail, { 'Retry-After': String(retryAfterSeconds) });
  }
}

/** Raised at start-up; the CLI prints its message as the one line that names the bad variable. */
export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}
