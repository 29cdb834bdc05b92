import type { HealthContributor } from '../../platform/http/health.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { BundleStore } from './bundle-store.js';
import type { ConstitutionReader } from './ports.js';
import { readGovernanceState, type GovernanceStateView } from './governance-state.js';
import { PolicyStore } from './policy-store.js';

/** Where the policy store's policies in force and the bundle in force disagree; null when they agree. */
export interface PolicyDrift {
  bundleVersion: number;
  onlyInStore: string[];
  onlyInBundle: string[];
  differing: string[];
}

export interface EnforcementAgreement {
  drift: PolicyDrift | null;
  governance: GovernanceStateView;
}

/** The repair for drift: rebuild through a verified change set from what is enforced, so the store records it. */
export const DRIFT_FIX =
  'run `acgs bundle build --from-active` (stack stopped on PGlite): it records the bundle in force as policy versions through a verified change set, so the store says what is enforced';

export function describeDrift(drift: PolicyDrift): string {
  const parts = [
    drift.onlyInStore.length > 0
      ? `active in the store but not in bundle v${drift.bundleVersion}: ${drift.onlyInStore.join(', ')}`
      : null,
    drift.onlyInBundle.length > 0
      ? `in bundle v${drift.bundleVersion} but not active in the store: ${drift.onlyInBundle.join(', ')}`
      : null,
    drift.differing.length > 0 ? `texts differ: ${drift.differing.join(', ')}` : null,
  ];
  return parts.filter((part) => part !== null).join('; ');
}

/** Compares the store's policies in force with the bundle in force, and reads enacted vs enforced. */
export async function readEnforcementAgreement(
  db: Queryable,
  constitutions: ConstitutionReader,
): Promise<EnforcementAgreement> {
  const bundle = await BundleStore.activeIn(db);
  const governance = await readGovernanceState(
    db,
    constitutions,
    bundle === null
      ? null
      : { version: bundle.bundle.version, hash: bundle.hash, constitution_hash: bundle.bundle.constitution_hash },
  );
  if (bundle === null) return { drift: null, governance };
  const store = await PolicyStore.activeTexts(db);
  const inBundle = new Map(bundle.bundle.policies.map((policy) => [policy.id, policy.text]));
  const onlyInStore = Object.keys(store).filter((id) => !inBundle.has(id));
  const onlyInBundle = [...inBundle.keys()].filter((id) => store[id] === undefined).sort();
  const differing = Object.keys(store).filter((id) => inBundle.has(id) && inBundle.get(id) !== store[id]);
  const drift =
    onlyInStore.length + onlyInBundle.length + differing.length === 0
      ? null
      : { bundleVersion: bundle.bundle.version, onlyInStore, onlyInBundle, differing };
  return { drift, governance };
}

const REFRESH_MS = 5000;

/**
 * Integrity's /health says whether the store and the bundle in force agree and what stands between the constitution
 * enacted and the bundle enforced, refreshed every few seconds rather than read on every probe.
 */
export function watchEnforcementAgreement(
  db: Database,
  constitutions: ConstitutionReader,
  onError: (error: unknown) => void,
): { health: HealthContributor[]; stop: () => void } {
  let latest: EnforcementAgreement | null = null;
  const refresh = () =>
    readEnforcementAgreement(db, constitutions).then((agreement) => {
      latest = agreement;
    }, onError);
  void refresh();
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    health: [
      () =>
        latest === null
          ? { name: 'store_matches_bundle', backend: 'not checked yet', status: 'up' }
          : latest.drift === null
            ? { name: 'store_matches_bundle', backend: 'policies in force = bundle in force', status: 'up' }
            : {
                name: 'store_matches_bundle',
                backend: `bundle v${latest.drift.bundleVersion}`,
                status: 'down',
                error: `${describeDrift(latest.drift)} — ${DRIFT_FIX}`,
              },
      () => ({
        name: 'governance',
        backend: latest === null ? 'not checked yet' : `${latest.governance.state}: ${latest.governance.reason}`,
        status: 'up',
      }),
    ],
  };
}
