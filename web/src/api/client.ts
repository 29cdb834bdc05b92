/**
 * The console's one way to call the API: same origin, cookies for credentials, the session's CSRF token (from the
 * acgs_csrf cookie, docs/auth.md) on every state-changing request, and one silent refresh when the access token has
 * run out. Errors arrive in the platform's shape and become ApiError.
 */

import type { ErrorCode } from './contract.js';

/**
 * A platform error code; `HTTP_<status>` for an answer not in the platform's shape (a proxy's error page);
 * `NETWORK_ERROR` when no answer came.
 */
export type ApiErrorCode = ErrorCode | `HTTP_${number}` | 'NETWORK_ERROR';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    readonly detail: string,
    readonly requestId: string | null,
    readonly retryAfterSeconds: number | null,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

const CSRF_COOKIE = 'acgs_csrf';

export function csrfToken(): string | null {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='));
  }
  return null;
}

const EXPIRED = new Set<ApiErrorCode>(['NOT_AUTHENTICATED', 'TOKEN_EXPIRED']);
const NO_REFRESH = new Set(['/auth/login', '/auth/refresh', '/auth/logout']);

let refreshing: Promise<boolean> | null = null;

/** One refresh at a time however many requests found the token expired together. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const token = csrfToken();
    if (token === null) return false;
    try {
      const response = await fetch('/auth/refresh', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'x-csrf-token': token },
      });
      return response.ok;
    } catch {
      return false;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function errorFrom(response: Response): Promise<ApiError> {
  const retryAfter = response.headers.get('retry-after');
  const retryAfterSeconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null;
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // A proxy's HTML error page: fall back to the status line.
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  return new ApiError(
    response.status,
    typeof record['error_code'] === 'string' ? (record['error_code'] as ErrorCode) : `HTTP_${response.status}`,
    typeof record['detail'] === 'string' ? record['detail'] : response.statusText || `HTTP ${response.status}`,
    typeof record['request_id'] === 'string' ? record['request_id'] : response.headers.get('x-request-id'),
    retryAfterSeconds,
  );
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** For responses that are not JSON (a file to download). */
  raw?: boolean;
}

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const token = csrfToken();
    if (token !== null) headers['x-csrf-token'] = token;
  }
  return fetch(path, {
    method,
    credentials: 'same-origin',
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  let response = await send(method, path, options);
  if (response.status === 401 && !NO_REFRESH.has(path)) {
    const error = await errorFrom(response.clone());
    if (EXPIRED.has(error.code) && (await refreshSession())) response = await send(method, path, options);
  }
  if (!response.ok) throw await errorFrom(response);
  if (options.raw === true) return response as T;
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body === undefined ? {} : { body }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/** A query string from the set values of `params`. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
