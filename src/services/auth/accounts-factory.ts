import { Accounts, type AccountEffects } from '../../domain/auth/accounts.js';
import type { Platform } from '../../platform/platform.js';
import { SqlApiKeyStore, SqlSessionStore, SqlUserStore } from './repositories.js';

export type LoginObserver = Pick<AccountEffects, 'loginAttempted' | 'loginSucceeded' | 'loginFailed'>;

const quietObserver: LoginObserver = {
  loginAttempted: () => undefined,
  loginSucceeded: () => undefined,
  loginFailed: () => undefined,
};

/** Wires the account logic to SQL storage, the shared cache and the audit log; the CLI and the HTTP service share it. */
export function buildAccounts(platform: Platform, observer: LoginObserver = quietObserver): Accounts {
  const { db, cache, config } = platform;
  return new Accounts(
    new SqlUserStore(db),
    new SqlSessionStore(db),
    new SqlApiKeyStore(db),
    platform.hasher,
    platform.tokens,
    { threshold: config.auth.lockoutThreshold, minutes: config.auth.lockoutMinutes },
    {
      ...observer,
      audit: async (event) => void (await platform.audit.record(event)),
      revokeSessions: async (ids) => void (await Promise.all(ids.map((id) => platform.revocations.revokeSession(id)))),
      forgetApiKey: (prefix) => platform.apiKeys.forget(prefix),
      forgetUser: (id) => platform.userStates.forget(id),
      countUnknownFailure: (email, windowSeconds) => cache.increment(`loginfail:${email}`, windowSeconds),
    },
  );
}
