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
  | 'bad_gateway'
  | 'gateway_timeout'
  | 'internal';
