import * as openpgp from 'openpgp';
import { ValidationError } from '../errors.js';

export interface GeneratedKey {
  fingerprint: string;
  armoredPublic: string;
  /** Encrypted with the passphrase; never stored or logged in clear. */
  armoredPrivate: string;
}

/**
 * An Ed25519 signing key in the v4 "legacy" EdDSA format, which GnuPG 2.2 (Debian 12) verifies; the newer v6 format
 * it does not.
 */
export async function generateSigningKey(passphrase: string): Promise<GeneratedKey> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'ACGS-PGP signing key', email: 'signing@acgs.local' }],
    passphrase,
    format: 'armored',
  });
  return {
    fingerprint: (await openpgp.readKey({ armoredKey: publicKey })).getFingerprint(),
    armoredPublic: publicKey,
    armoredPrivate: privateKey,
  };
}

export type UnlockedKey = openpgp.PrivateKey;

export async function unlockKey(armoredPrivate: string, passphrase: string): Promise<UnlockedKey> {
  return openpgp.decryptKey({ privateKey: await openpgp.readPrivateKey({ armoredKey: armoredPrivate }), passphrase });
}

/** A detached, armored signature over the exact bytes (binary mode, so `gpg --verify sig file` agrees). */
export async function signDetached(data: Uint8Array, key: UnlockedKey): Promise<string> {
  return openpgp.sign({
    message: await openpgp.createMessage({ binary: data }),
    signingKeys: key,
    detached: true,
    format: 'armored',
  });
}

async function parse<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new ValidationError(`${what} is not valid armored OpenPGP: ${(error as Error).message}`, 'INVALID_OPENPGP', {
      cause: error,
    });
  }
}

export async function publicKeyFingerprint(armoredPublic: string): Promise<string> {
  return (await parse('public key', () => openpgp.readKey({ armoredKey: armoredPublic }))).getFingerprint();
}

/** Which of the given public keys made a valid signature over the data, if any. Malformed input is a 400. */
export async function verifyDetached(
  data: Uint8Array,
  armoredSignature: string,
  armoredPublicKeys: readonly string[],
): Promise<{ valid: boolean; fingerprint: string | null }> {
  const signature = await parse('signature', () => openpgp.readSignature({ armoredSignature }));
  const keys = await Promise.all(
    armoredPublicKeys.map((armoredKey) => parse('public key', () => openpgp.readKey({ armoredKey }))),
  );
  const result = await openpgp.verify({
    message: await openpgp.createMessage({ binary: data }),
    signature,
    verificationKeys: keys,
  });
  for (const candidate of result.signatures) {
    try {
      await candidate.verified;
      const signer = keys.find((key) => key.getKeys(candidate.keyID).length > 0);
      return { valid: true, fingerprint: signer?.getFingerprint() ?? null };
    } catch {
      // this signature packet does not verify with any given key; try the next
    }
  }
  return { valid: false, fingerprint: null };
}
