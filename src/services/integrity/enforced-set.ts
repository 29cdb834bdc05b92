import type { Platform } from '../../platform/platform.js';
import { lockBundleBuilds } from './bundle-builder.js';
import { ChangeSets } from './change-sets.js';
import { PolicyStore, type EnforcedSetHooks } from './policy-store.js';
import type { ConstitutionReader } from './ports.js';
import type { VerificationGate } from './verification-gate.js';

/**
 * How a lifecycle step touches what is enforced: the verify step proves the version against the policies in force;
 * activation and revocation of the version in force are change sets of one (proved, recorded, and activated as the
 * next signed bundle). The one definition for the policy API and for synthesis.
 */
export function enforcedSetHooks(
  platform: Platform,
  gate: VerificationGate,
  constitutions: ConstitutionReader,
  actorId: string | null,
): EnforcedSetHooks {
  return {
    lock: lockBundleBuilds,
    verify: async (tx, policyId, source) => gate.verifyPolicy(tx, policyId, source, await PolicyStore.activeTexts(tx)),
    rebuild: (tx, change) => new ChangeSets(platform, gate, constitutions).applySingle(tx, change, actorId),
  };
}
