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
  /** Armored, detached OpenPGP signature over bundleBytes(bundle): `gpg --verify bundle.sig bundle.json` checks it. */
  signature: string;
  /** Fingerprint of the signing key. */
  key_id: string;
}

/** Signs bytes and names the key used; verifies bytes against the trusted keys. Key storage stays outside. */
export type Signer = (data: Uint8Array) => Promise<{ signature: string; fingerprint: string }>;
export type Verifier = (data: Uint8Array, signature: string) => Promise<boolean>;

export class BundleInvalidError extends Error {
  constructor(readonly problems: PolicyProblem[]) {
    super(
      `bundle policies are invalid: ${problems.map((problem) => `${problem.policy_id ?? '?'}: ${problem.message}`).join('; ')}`,
    );
    this.name = 'BundleInvalidError';
  }
}

/** Validates the policies against the governance schema and assembles an unsigned bundle. */
export function assembleBundle(input: {
  version: number;
  constitutionHash: string;
  policies: Readonly<Record<string, string>>;
  createdAt?: Date;
}): Bundle {
  const problems = validatePolicies(input.policies, GOVERNANCE_SCHEMA);
  if (problems.length > 0) throw new BundleInvalidError(problems);
  const policies = Object.entries(input.policies)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, text]) => {
      const metadata = policyMetadata(text);
      return {
        id,
        text,
        effect: metadata.effect,
        principles: annotationValues(metadata.annotations['principle']),
        obligations: annotationValues(metadata.annotations['obligation']),
      };
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

/** The exact bytes that are hashed and signed: the bundle's RFC 8785 canonical JSON, UTF-8. */
export const bundleBytes = (bundle: Bundle) => Buffer.from(canonicalJson(bundle), 'utf8');

export async function signBundle(bundle: Bundle, sign: Signer): Promise<SignedBundle> {
  const { signature, fingerprint } = await sign(bundleBytes(bundle));
  return { bundle, hash: bundleHash(bundle), signature, key_id: fingerprint };
}

/** True only if a trusted key signed exactly this bundle and the stated hash matches it; malformed input is false. */
export async function verifySignedBundle(signed: SignedBundle, verify: Verifier): Promise<boolean> {
  try {
    if (signed.hash !== bundleHash(signed.bundle)) return false;
    return await verify(bundleBytes(signed.bundle), signed.signature);
  } catch {
    return false;
  }
}
