import { lockBundleBuilds } from './bundle-builder.js';
import type { ChangeSets } from './change-sets.js';
import { PolicyStore, type EnforcedSetHooks } from './policy-store.js';
import type { VerificationGate } from './verification-gate.js';

/**
 * How a lifecycle step touches what is enforced: the verify step proves the version against the policies in force;
 * activation and revocation of the version in force are change sets of one (proved, recorded, and activated as the
 * next signed bundle). The one definition for the policy API and for synthesis.
 */
export function enforcedSetHooks(
  gate: VerificationGate,
  changeSets: ChangeSets,
  actorId: string | null,
): EnforcedSetHooks {
  return {
    lock: lockBundleBuilds,
    verify: async (tx, policyId, source) => gate.verifyPolicy(tx, policyId, source, await PolicyStore.activeTexts(tx)),
    rebuild: (tx, change) => changeSets.applySingle(tx, change, actorId),
  };
}
