import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from './client.js';

export type Loaded<T> = { status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready'; data: T };

const asApiError = (error: unknown) =>
  error instanceof ApiError ? error : new ApiError(0, 'NETWORK_ERROR', String(error), null, null);

/**
 * GETs `path` (null: nothing yet) and reloads it on demand. An answer is kept with the path it is for, so a page
 * that moved on to another path shows loading rather than the old path's data, and a late answer is dropped.
 */
export function useApi<T>(path: string | null): Loaded<T> & { reload(): void } {
  const [answer, setAnswer] = useState<{ path: string; loaded: Loaded<T> } | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let current = true;
    api.get<T>(path).then(
      (data) => current && setAnswer({ path, loaded: { status: 'ready', data } }),
      (error: unknown) => current && setAnswer({ path, loaded: { status: 'error', error: asApiError(error) } }),
    );
    return () => {
      current = false;
    };
  }, [path, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const loaded: Loaded<T> = answer !== null && answer.path === path ? answer.loaded : { status: 'loading' };
  return { ...loaded, reload };
}

/** Runs a state-changing call, keeping its error for the form that started it. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setBusy(true);
      setError(null);
      try {
        return await action(...args);
      } catch (caught) {
        setError(asApiError(caught));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return { run, busy, error, clearError: () => setError(null) };
}
