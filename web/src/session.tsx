import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError } from './api/client.js';
import type { Role, User } from './api/types.js';

/** The people the console is for; agents and services act through the API and get a clear refusal here. */
export const PERSON_ROLES: readonly Role[] = ['admin', 'policy_manager', 'auditor', 'council_member'];

export type SessionState =
  { status: 'loading' } | { status: 'signed-out'; reason: string | null } | { status: 'signed-in'; user: User };

interface SessionApi {
  state: SessionState;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Marks the session gone (a 401 the refresh could not mend), with the reason the sign-in page shows. */
  expired(reason: string): void;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  useEffect(() => {
    // A reload keeps nothing in memory: the cookies say who is signed in (refreshing first if the access token died).
    api.get<User>('/auth/me').then(
      (user) => setState({ status: 'signed-in', user }),
      () => setState({ status: 'signed-out', reason: null }),
    );
  }, []);

  const signIn = useCallback(async (email: string, password: string) => {
    await api.post('/auth/login', { username: email, password });
    setState({ status: 'signed-in', user: await api.get<User>('/auth/me') });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.post('/auth/logout');
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
    }
    setState({ status: 'signed-out', reason: null });
  }, []);

  const expired = useCallback((reason: string) => setState({ status: 'signed-out', reason }), []);

  return <SessionContext.Provider value={{ state, signIn, signOut, expired }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in user; only for pages rendered inside the signed-in layout. */
export function useUser(): User {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useUser without a signed-in user');
  return state.user;
}

export const hasAnyRole = (user: User, roles: readonly Role[]) => user.roles.some((role) => roles.includes(role));
