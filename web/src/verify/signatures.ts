/**
 * Detached OpenPGP signature checks in the browser with openpgp.js, loaded on first use (it is most of the console's
 * weight and the sign-in page never needs it). The key must be the one with the fingerprint the caller trusts:
 * a valid signature by any other key is a failure, not a success.
 */

export interface SignatureResult {
  valid: boolean;
  detail: string;
}

export type SignatureVerifier = (
  data: Uint8Array,
  armoredSignature: string,
  armoredPublicKey: string,
  fingerprint: string,
) => Promise<SignatureResult>;

export const verifyDetachedSignature: SignatureVerifier = async (
  data,
  armoredSignature,
  armoredPublicKey,
  fingerprint,
) => {
  const openpgp = await import('openpgp');
  let key;
  let signature;
  try {
    key = await openpgp.readKey({ armoredKey: armoredPublicKey });
    signature = await openpgp.readSignature({ armoredSignature });
  } catch (error) {
    return { valid: false, detail: `unreadable key or signature: ${(error as Error).message}` };
  }
  const actual = key.getFingerprint().toLowerCase();
  if (actual !== fingerprint.toLowerCase())
    return { valid: false, detail: `the key offered is ${actual}, not the trusted ${fingerprint.toLowerCase()}` };
  try {
    const result = await openpgp.verify({
      message: await openpgp.createMessage({ binary: data }),
      signature,
      verificationKeys: key,
    });
    await result.signatures[0]!.verified;
    return { valid: true, detail: `signed by ${actual}` };
  } catch (error) {
    return { valid: false, detail: `signature does not verify: ${(error as Error).message}` };
  }
};
