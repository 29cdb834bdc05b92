import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, canonicalSha256 } from '../canonical-json.js';
import { annotationValues, validatePolicies, policyMetadata, type PolicyProblem } from './cedar.js';
import { GOVERNANCE_SCHEMA, GOVERNANCE_SCHEMA_VERSION } from './governance-schema.js';

export interface BundlePolicy {
  id: string;
  text: string;
  effect: 'permit' | 'forbid';
  principles: string[];
  obligations: string[];
}

/** What PGC enforces: policies, the schema they were validated against, and the constitution they implement. */
export interface Bundle {
  format: 'acgs-bundle/1';
  version: number;
  schema_version: string;
  schema: string;
  constitution_hash: string;
  created_at: string;
  policies: BundlePolicy[];
}

export interface SignedBundle {
  bundle: Bundle;
  hash: string;
  /** Base64 Ed25519 signature over the bundle's RFC 8785 canonical JSON. */
  signature: string;
  key_id: string;
}

export class BundleInvalidError extends Error {
  constructor(readonly problems: PolicyProblem[]) {
    super(`bundle policies are invalid: ${problems.map((problem) => `${problem.policy_id ?? '?'}: ${problem.message}`).join('; ')}`);
    this.name = 'BundleInvalidError';
  }
}


/** Validates the policies against the governance schema and assembles an unsigned bundle. */
export function assembleBundle(input: { version: number; constitutionHash: string; policies: Readonly<Record<string, string>>; createdAt?: Date }): Bundle {
  const problems = validatePolicies(input.policies, GOVERNANCE_SCHEMA);
  if (problems.length > 0) throw new BundleInvalidError(problems);
  const policies = Object.entries(input.policies)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, text]) => {
      const metadata = policyMetadata(text);
      return { id, text, effect: metadata.effect, principles: annotationValues(metadata.annotations['principle']), obligations: annotationValues(metadata.annotations['obligation']) };
    });
  return {
    format: 'acgs-bundle/1',
    version: input.version,
    schema_version: GOVERNANCE_SCHEMA_VERSION,
    schema: GOVERNANCE_SCHEMA,
    constitution_hash: input.constitutionHash,
    created_at: (input.createdAt ?? new Date()).toISOString(),
    policies,
  };
}

export const bundleHash = (bundle: Bundle) => canonicalSha256(bundle);

export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function signBundle(bundle: Bundle, privateKey: KeyObject): SignedBundle {
  const signature = sign(null, Buffer.from(canonicalJson(bundle), 'utf8'), privateKey).toString('base64');
  return { bundle, hash: bundleHash(bundle), signature, key_id: keyId(createPublicKey(privateKey)) };
}

/** True only if the signature is the trusted key's over exactly this bundle and the stated hash matches it. */
export function verifySignedBundle(signed: SignedBundle, trustedKey: KeyObject): boolean {
  try {
    if (signed.hash !== bundleHash(signed.bundle)) return false;
    return verify(null, Buffer.from(canonicalJson(signed.bundle), 'utf8'), trustedKey, Buffer.from(signed.signature, 'base64'));
  } catch {
    return false;
  }
}
