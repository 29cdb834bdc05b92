import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api } from './api/client.js';
import { consoleConfig } from './console-config.js';
import type { SigningKey as PublishedKey } from './api/types.js';
import type { KeyRing } from './verify/log-checks.js';
import { acceptKey, decideTrust, localStorageTrustStore } from './verify/trust.js';

export interface TrustApi {
  /** Null until the console's configuration and the published keys have loaded. */
  keys: KeyRing | null;
  configured: readonly string[] | null;
  published: readonly PublishedKey[];
  remembered(): string[];
  accept(fingerprint: string): void;
  /** Changes whenever the trusted set does, so checks that depend on it run again. */
  epoch: number;
}

const TrustContext = createContext<TrustApi | null>(null);

/**
 * The keys this browser checks signatures against. Published keys only supply the key material for a fingerprint;
 * whether a fingerprint is trusted is decided by the console's configuration, or by what this browser saw first.
 */
export function TrustProvider({ children }: { children: ReactNode }) {
  const [loaded, setLoaded] = useState<{ configured: string[] | null; published: PublishedKey[] } | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    void Promise.all([consoleConfig(), api.get<{ items: PublishedKey[] }>('/api/v1/crypto/keys')]).then(
      ([config, keys]) => setLoaded({ configured: config.trusted_key_fingerprints, published: keys.items }),
    );
  }, []);
  const value = useMemo<TrustApi>(() => {
    const store = localStorageTrustStore(window.localStorage);
    const published = loaded?.published ?? [];
    const configured = loaded?.configured ?? null;
    const keys: KeyRing | null =
      loaded === null
        ? null
        : {
            armored: (fingerprint) =>
              published.find((key) => key.fingerprint.toLowerCase() === fingerprint.toLowerCase())?.armored_public ??
              null,
            trust: (fingerprint) => decideTrust(fingerprint, configured, store),
          };
    return {
      epoch: generation,
      keys,
      configured,
      published,
      remembered: () => store.read(),
      accept: (fingerprint) => {
        acceptKey(fingerprint, store);
        setGeneration((n) => n + 1);
      },
    };
  }, [loaded, generation]);
  return <TrustContext.Provider value={value}>{children}</TrustContext.Provider>;
}

export function useTrust(): TrustApi {
  const trust = useContext(TrustContext);
  if (trust === null) throw new Error('useTrust outside TrustProvider');
  return trust;
}
