import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';
import { readableDestination } from './readable-log.js';
import { activeTraceIds, tracingEnabled } from './tracing.js';

export type { Logger };

/**
 * JSON logs on stdout (or a given stream, for tests that read them), with secrets redacted. Stdout is written
 * asynchronously: a line per request written synchronously cost /health ~15 % of its throughput at info; lines logged
 * while a write is pending go out together, and pino flushes what is buffered when the process exits (a SIGKILL can
 * lose the last lines, never a decision or an audit entry: those are in the database before anyone is answered).
 */
export function createLogger(
  level: LogLevel,
  destination?: DestinationStream,
  format: 'json' | 'text' = 'json',
): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    redact: {
      paths: ['password', '*.password', 'access_token', 'refresh_token', '*.authorization', '*.cookie'],
      censor: '[redacted]',
    },
    // With tracing on, a line logged inside a span names it, so logs and traces can be joined.
    ...(tracingEnabled() ? { mixin: () => activeTraceIds() ?? {} } : {}),
  };
  if (destination !== undefined) return pino(options, destination);
  return pino(options, format === 'text' ? readableDestination() : pino.destination({ dest: 1, sync: false }));
}
