import { AppError, ConflictError, ServiceUnavailableError, ValidationError } from '../../domain/errors.js';

interface PgLikeError {
  code?: string;
  message?: string;
  constraint?: string;
}

/**
 * Maps driver errors that callers can act on to the error hierarchy; anything else is re-thrown untouched so a
 * programming error still surfaces as one.
 */
export function translateDatabaseError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const pgError = error as PgLikeError;
  const message = pgError?.message ?? '';
  if (message.includes('timeout exceeded when trying to connect')) {
    return new ServiceUnavailableError(
      'No database connection became free within DATABASE_POOL_TIMEOUT',
      'DB_POOL_TIMEOUT',
      5,
    );
  }
  if (pgError?.code === '23505') {
    return new ConflictError(`Duplicate value violates ${pgError.constraint ?? 'a unique constraint'}`, 'DUPLICATE');
  }
  // Data exceptions (class 22) are raised by a value the statement was given: the caller's input, never a crash.
  // audit_append_at (migration 0034) found a row stored otherwise than its leaf says.
  if (pgError?.code === 'AU002')
    return new ValidationError('An audit event holds a value the database does not store as given', 'INVALID_STRING');
  if (pgError?.code === '22021' || pgError?.code === '22P05') {
    return new ValidationError('A value holds characters the database cannot store', 'INVALID_STRING');
  }
  if (pgError?.code !== undefined && pgError.code.startsWith('22'))
    return new ValidationError(`A value is out of range or malformed: ${message}`, 'INVALID_VALUE');
  const connectionCodes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001'];
  if (pgError?.code !== undefined && connectionCodes.includes(pgError.code)) {
    return new ServiceUnavailableError('The database is unreachable', 'DATABASE_UNAVAILABLE', 5);
  }
  if (message.includes('Connection terminated')) {
    return new ServiceUnavailableError('The database connection was lost', 'DATABASE_UNAVAILABLE', 5);
  }
  return error;
}
