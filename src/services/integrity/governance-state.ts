import {
  governanceState,
  type GovernanceFacts,
  type GovernanceStateReport,
} from '../../domain/policy/governance-state.js';
import type { ChangeSetStatus } from '../../domain/policy/change-set.js';
import type { Queryable } from '../../platform/db/database.js';
import { BundleStore } from './bundle-store.js';
import { ChangeSetStore } from './change-set-store.js';
import type { ConstitutionReader } from './ports.js';

export type GovernanceStateView = GovernanceStateReport &
  Omit<GovernanceFacts, 'changeSet'> & {
    change_set: { id: number; status: ChangeSetStatus; reason: string | null } | null;
  };

/**
 * Enacted vs enforced, read from the constitution in force, the bundle in force and the change set between them.
 * Polled (fv every 2 s, integrity every 5 s, each scrape), so it reads the bundle's summary, not its policies; a
 * caller that holds the bundle in force already passes its summary.
 */
export async function readGovernanceState(
  q: Queryable,
  constitutions: ConstitutionReader,
  inForce?: { version: number; hash: string; constitution_hash: string } | null,
): Promise<GovernanceStateView> {
  const constitution = await constitutions.refInForce(q);
  const summary = inForce === undefined ? await BundleStore.activeSummaryIn(q) : inForce;
  const bundle =
    summary === null
      ? null
      : {
          version: summary.version,
          hash: summary.hash,
          constitution_version: await constitutions.versionWithHash(q, summary.constitution_hash),
        };
  const newest = constitution === null ? null : await new ChangeSetStore().newestFor(q, constitution.version);
  const report = governanceState({ constitution, bundle, changeSet: newest });
  return {
    ...report,
    constitution,
    bundle,
    change_set: newest === null ? null : { id: newest.id, status: newest.status, reason: newest.reason },
  };
}
