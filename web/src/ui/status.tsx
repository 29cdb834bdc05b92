import type { ReactNode } from 'react';
import type { ApiError } from '../api/client.js';
import type { Loaded } from '../api/use-api.js';

export type CheckState = { state: 'pending' } | { state: 'ok'; detail: string } | { state: 'failed'; detail: string };

/** The result of a check the browser ran itself; the test suite and people read the same words. */
export function CheckBadge({ label, check }: { label: string; check: CheckState }) {
  const text = check.state === 'pending' ? 'checking…' : check.state === 'ok' ? '✓ verified' : '✗ FAILED';
  return (
    <span
      className={`badge badge-${check.state}`}
      role="status"
      data-check={label}
      data-state={check.state}
      title={check.state === 'pending' ? undefined : check.detail}
    >
      {label}: {text}
      {check.state === 'failed' ? <span className="badge-detail"> — {check.detail}</span> : null}
    </span>
  );
}

export function ErrorNotice({ error }: { error: ApiError }) {
  return (
    <div className="notice notice-error" role="alert">
      <strong>{error.detail}</strong>
      <span className="muted">
        {' '}
        ({error.code}
        {error.requestId === null ? '' : `, request ${error.requestId}`})
      </span>
    </div>
  );
}

/** Renders a loaded value, or the wait, or the error in the platform's words. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ReactNode }) {
  if (loaded.status === 'loading') return <p className="muted">Loading…</p>;
  if (loaded.status === 'error') return <ErrorNotice error={loaded.error} />;
  return <>{children(loaded.data)}</>;
}

export const shortHash = (hash: string) => `${hash.slice(0, 12)}…${hash.slice(-8)}`;

export function Time({ iso }: { iso: string | null }) {
  if (iso === null) return <span className="muted">—</span>;
  return <time dateTime={iso}>{new Date(iso).toLocaleString()}</time>;
}
