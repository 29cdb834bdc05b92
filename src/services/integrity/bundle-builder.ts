import { assembleBundle, signBundle, type SignedBundle } from '../../domain/policy/bundle.js';
import { starterPolicies } from '../../domain/synthesis/starter-bundle.js';
import type { Queryable } from '../../platform/db/database.js';
import type { Platform } from '../../platform/platform.js';
import { platformSigningKeys } from './signing-keys.js';
import { BundleStore } from './bundle-store.js';
import { PolicyStore } from './policy-store.js';
import { BUNDLE_ACTIVATED_ACTION } from '../../domain/policy/transparency.js';
import { TreeHeads } from '../../platform/audit/tree-heads.js';
import type { ConstitutionReader } from './ports.js';
import { compiledDisagreement } from '../../domain/enforcement/compiled-check.js';
import { AppError } from '../../domain/errors.js';

/** What an activation's audit entry says about the change that made the bundle. */
export interface ActivatedChange {
  id: number;
  origin: string;
  put: readonly { policy_id: string; version: number }[];
  remove: readonly string[];
  /** The verification the set passed: its verdict and the SHA-256 of its stored report. */
  verification: { verdict: string; report_sha256: string } | null;
}

// Any constant works, as long as every process building bundles uses the same one.
const BUNDLE_BUILD_LOCK = 727_170_6;

/**
 * Takes the bundle build lock for the rest of the transaction. Building appends to the audit log, so this lock is
 * always taken before the audit append lock: a transaction that appends and then builds must call this first, or
 * it deadlocks against a build (bundle lock held, waiting for the log) running at the same time.
 */
export async function lockBundleBuilds(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [BUNDLE_BUILD_LOCK]);
}

/**
 * Builds the next bundle version from Cedar policies (id → text), bound to the constitution in force, signs it with
 * the platform's OpenPGP key and activates it. Invalid Cedar throws BundleInvalidError with line and column.
 */
export async function buildAndActivateBundle(
  platform: Platform,
  constitutions: ConstitutionReader,
  policies: Readonly<Record<string, string>>,
  actorId: string | null,
  tx?: Queryable,
  change?: ActivatedChange,
): Promise<SignedBundle> {
  const keys = platformSigningKeys(platform);
  if (tx === undefined) {
    await keys.active();
    return platform.db.transaction((own) =>
      buildAndActivateBundle(platform, constitutions, policies, actorId, own, change),
    );
  }
  await lockBundleBuilds(tx);
  const constitution = await constitutions.refInForce(tx);
  if (constitution === null)
    throw new Error('no constitution has been enacted yet; a bundle must name the constitution it implements');
  const constitutionHash = constitution.hash;
  const store = new BundleStore(platform.db);
  const bundle = assembleBundle({ version: (await store.latestVersion(tx)) + 1, constitutionHash, policies });
  // PGC decides with the compiled form: a bundle it would decide otherwise than Cedar on its own cases is not built.
  const disagreement = platform.config.enforcement.evaluator === 'compiled' ? compiledDisagreement(bundle) : null;
  if (disagreement !== null)
    throw new AppError(
      'unprocessable',
      'COMPILED_EVALUATOR_MISMATCH',
      `The compiled policies decide ${JSON.stringify(disagreement.request)} as ${JSON.stringify(disagreement.compiled)}, cedar-wasm as ${JSON.stringify(disagreement.cedar)}: the bundle is not built. Report this; ACGS_EVALUATOR=cedar enforces with cedar-wasm alone.`,
    );
  const signed = await signBundle(bundle, (bytes) => keys.sign(bytes, tx));
  await store.activateIn(tx, signed, actorId, async (tx) => {
    const details = {
      hash: signed.hash,
      constitution_hash: constitutionHash,
      constitution_version: constitution.version,
      policies: bundle.policies.map((p) => p.id),
      ...(change === undefined ? {} : { change_set: change }),
    };
    await platform.audit.record(
      { userId: actorId, action: BUNDLE_ACTIVATED_ACTION, resource: `bundle:${bundle.version}`, details },
      tx,
    );
    // A signed head covering the activation commits with it, so PGC can prove the bundle is logged the moment it hears.
    await new TreeHeads(platform.db, keys).current(tx);
  });
  return signed;
}

/**
 * On a system with a constitution but no bundle yet, stores the starter policies as active in the policy store and
 * activates them as bundle v1, in one transaction (instances starting together make exactly one).
 */
export async function ensureStarterBundle(
  platform: Platform,
  constitutions: ConstitutionReader,
): Promise<SignedBundle | null> {
  await platformSigningKeys(platform).active();
  return platform.db.transaction(async (tx) => {
    await lockBundleBuilds(tx);
    if ((await new BundleStore(platform.db).latestVersion(tx)) > 0 || (await constitutions.refInForce(tx)) === null)
      return null;
    await PolicyStore.seedActive(tx, starterPolicies());
    return buildAndActivateBundle(platform, constitutions, starterPolicies(), null, tx);
  });
}
