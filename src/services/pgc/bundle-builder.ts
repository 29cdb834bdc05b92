import { assembleBundle, signBundle, type SignedBundle } from '../../domain/policy/bundle.js';
import { STARTER_POLICIES } from '../../domain/policy/starter-policies.js';
import type { Platform } from '../../platform/platform.js';
import { loadBundleKeys } from './bundle-keys.js';
import { BundleStore } from './bundle-store.js';

async function currentConstitutionHash(platform: Platform): Promise<string | null> {
  const rows = await platform.db.query<{ hash: string }>('SELECT hash FROM constitution_versions ORDER BY version DESC LIMIT 1');
  return rows[0]?.hash ?? null;
}

/**
 * Builds the next bundle version from Cedar policies (id → text), bound to the constitution in force, signs it with
 * the interim local key and activates it. Invalid Cedar throws BundleInvalidError with line and column.
 */
export async function buildAndActivateBundle(platform: Platform, policies: Readonly<Record<string, string>>, actorId: string | null): Promise<SignedBundle> {
  const constitutionHash = await currentConstitutionHash(platform);
  if (constitutionHash === null) throw new Error('no constitution has been enacted yet; a bundle must name the constitution it implements');
  const store = new BundleStore(platform.db);
  const bundle = assembleBundle({ version: (await store.latestVersion()) + 1, constitutionHash, policies });
  const signed = signBundle(bundle, (await loadBundleKeys(platform.config)).privateKey);
  await store.activate(signed, actorId, (tx) =>
    platform.audit.record({ userId: actorId, action: 'bundle.activated', resource: `bundle:${bundle.version}`, details: { hash: signed.hash, constitution_hash: constitutionHash, policies: bundle.policies.map((p) => p.id) } }, tx),
  );
  return signed;
}

/** On a system with a constitution but no bundle yet, activates the starter policies as bundle v1. */
export async function ensureStarterBundle(platform: Platform): Promise<SignedBundle | null> {
  const store = new BundleStore(platform.db);
  if ((await store.latestVersion()) > 0 || (await currentConstitutionHash(platform)) === null) return null;
  try {
    return await buildAndActivateBundle(platform, STARTER_POLICIES, null);
  } catch (error) {
    // Two instances starting together: the other one activated v1 first (unique version), which is what we wanted.
    if ((await store.latestVersion()) > 0) return null;
    throw error;
  }
}
