/**
 * Which signing keys this browser trusts: the fingerprints the console was configured with, or — when it was given
 * none — the ones it saw first (trust on first use, remembered per origin), with a loud warning whenever a signature
 * comes from a key it has not seen. Never "whatever /crypto/keys returns today".
 */

export interface TrustStore {
  read(): string[];
  write(fingerprints: readonly string[]): void;
}

export type TrustVerdict =
  | { trusted: true; how: 'configured' | 'remembered' }
  | { trusted: true; how: 'first-use'; warning: string }
  | { trusted: false; reason: string };

const normal = (fingerprint: string) => fingerprint.trim().toLowerCase();

/** Decides about one fingerprint; on first use it is remembered, so a later different key is caught. */
export function decideTrust(
  fingerprint: string,
  configured: readonly string[] | null,
  store: TrustStore,
): TrustVerdict {
  const wanted = normal(fingerprint);
  if (configured !== null && configured.length > 0) {
    return configured.map(normal).includes(wanted)
      ? { trusted: true, how: 'configured' }
      : { trusted: false, reason: `key ${wanted} is not one of the fingerprints this console is configured to trust` };
  }
  const remembered = store.read().map(normal);
  if (remembered.includes(wanted)) return { trusted: true, how: 'remembered' };
  if (remembered.length === 0) {
    store.write([wanted]);
    return {
      trusted: true,
      how: 'first-use',
      warning: `No trusted fingerprints are configured: trusting ${wanted} because it is the first key this browser has seen. Configure ACGS_TRUSTED_KEY_FINGERPRINTS to pin it.`,
    };
  }
  return {
    trusted: false,
    reason: `KEY CHANGED: signed by ${wanted}, but this browser has trusted ${remembered.join(', ')}. If the platform rotated its key, accept the new one on the About page after checking it out of band.`,
  };
}

/** Adds a fingerprint a person accepted after checking it (a key rotation). */
export function acceptKey(fingerprint: string, store: TrustStore): void {
  const remembered = store.read().map(normal);
  if (!remembered.includes(normal(fingerprint))) store.write([...remembered, normal(fingerprint)]);
}

/** The part of the Web Storage API the store uses (window.localStorage in the page). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function localStorageTrustStore(storage: KeyValueStorage, key = 'acgs.trusted-keys'): TrustStore {
  return {
    read() {
      try {
        const value: unknown = JSON.parse(storage.getItem(key) ?? '[]');
        return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
      } catch {
        return [];
      }
    },
    write(fingerprints) {
      storage.setItem(key, JSON.stringify(fingerprints));
    },
  };
}
