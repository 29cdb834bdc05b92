import {
  DECISION_REASON_CODES,
  ERROR_CODES,
  JOB_FAILURE_CODES,
  SDK_ERROR_CODES,
  type ErrorCode,
} from '../domain/error-codes.js';
import type { ErrorKind } from '../domain/errors.js';
import { STATUS_OF_KIND } from '../platform/http/errors.js';

/** docs/errors.md: every error code by HTTP status, rendered from the registry (a test keeps the file equal). */
export function renderErrorCodesDoc(): string {
  const byKind = new Map<ErrorKind, ErrorCode[]>();
  for (const [code, { kind }] of Object.entries(ERROR_CODES) as [ErrorCode, { kind: ErrorKind }][])
    byKind.set(kind, [...(byKind.get(kind) ?? []), code]);
  const kinds = [...byKind.keys()].sort((a, b) => STATUS_OF_KIND[a] - STATUS_OF_KIND[b]);
  const lines = [
    '# Error codes',
    '',
    '<!-- Rendered from src/domain/error-codes.ts by `acgs errors doc --out docs/errors.md`; a test keeps them equal. -->',
    '',
    'Every error response is `{detail, error_code, timestamp, request_id}`. `error_code` is a stable contract: match on',
    "it, never on `detail`. The status follows from the code's kind; `Retry-After` comes with locks, limits and",
    'outages, `WWW-Authenticate: Bearer` with 401s. The SDK throws `AcgsError {code, status, detail, requestId}`.',
    '',
  ];
  for (const kind of kinds) {
    lines.push(`## ${STATUS_OF_KIND[kind]} (${kind.replace(/_/g, ' ')})`, '', '| code | meaning |', '|---|---|');
    for (const code of byKind.get(kind)!) lines.push(`| \`${code}\` | ${ERROR_CODES[code].meaning} |`);
    lines.push('');
  }
  lines.push(
    '## Decision reasons',
    '',
    'A `deny` that no policy chose carries one of these in `reasons[].error_code`:',
    '',
    '| code | meaning |',
    '|---|---|',
  );
  for (const [code, meaning] of Object.entries(DECISION_REASON_CODES)) lines.push(`| \`${code}\` | ${meaning} |`);
  lines.push(
    '',
    '## Verification jobs',
    '',
    'A verification job that `failed` (rather than answering a verdict) carries one of these in `error_code`:',
    '',
    '| code | meaning |',
    '|---|---|',
  );
  for (const [code, meaning] of Object.entries(JOB_FAILURE_CODES)) lines.push(`| \`${code}\` | ${meaning} |`);
  lines.push(
    '',
    '## SDK',
    '',
    "Besides passing on the service's codes, the SDK throws these (status null):",
    '',
    '| code | meaning |',
    '|---|---|',
  );
  for (const [code, meaning] of Object.entries(SDK_ERROR_CODES)) lines.push(`| \`${code}\` | ${meaning} |`);
  return `${lines.join('\n')}\n`;
}
