import type { PolicyAction } from '../../domain/policy/lifecycle.js';
import type { Platform } from '../../platform/platform.js';
import { buildAndActivateBundle, lockBundleBuilds } from './bundle-builder.js';
import { PolicyStore, type EnforcedSetHooks } from './policy-store.js';
import type { VerificationGate } from './verification-gate.js';

/**
 * How a lifecycle step touches what is enforced: the verify step proves the version against the policies in force,
 * activation proves the whole set and builds, signs and activates the next bundle, revocation rebuilds without it.
 * The one definition for the policy API and for synthesis, which submits and verifies its drafts the same way.
 */
export function enforcedSetHooks(
  platform: Platform,
  gate: VerificationGate,
  action: PolicyAction,
  actorId: string | null,
): EnforcedSetHooks {
  return {
    lock: lockBundleBuilds,
    verify: async (tx, policyId, source) => gate.verifyPolicy(tx, policyId, source, await PolicyStore.activeTexts(tx)),
    rebuild: async (tx) => {
      const inForce = await PolicyStore.activeTexts(tx);
      // Revoking takes a policy out; only what is newly put in force must be proved first.
      if (action === 'activate') await gate.checkActivation(tx, inForce);
      await buildAndActivateBundle(platform, inForce, actorId, tx);
    },
  };
}
