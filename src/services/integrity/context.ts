import { AuditReader } from '../../platform/audit/reader.js';
import { TreeHeads } from '../../platform/audit/tree-heads.js';
import type { ServiceContext } from '../../platform/http/server.js';
import { AppealStore } from './appeal-store.js';
import { BundleAcknowledgements } from './bundle-acknowledgements.js';
import { BundleStore } from './bundle-store.js';
import { ChangeSets } from './change-sets.js';
import type { OwnersReaders } from './ports.js';
import { PolicyStore } from './policy-store.js';
import { platformSigningKeys, type SigningKeys } from './signing-keys.js';
import { VerificationGate } from './verification-gate.js';
import type { EncodingMismatch } from '../../domain/verify/questions.js';

/**
 * Integrity's parts, made once when the service starts (its composition root, `index.ts`) and handed to its routes,
 * gauges and watches: one store per table, one gate, one set of signing keys.
 */
export interface IntegrityContext extends ServiceContext, OwnersReaders {
  keys: SigningKeys;
  heads: TreeHeads;
  audit: AuditReader;
  gate: VerificationGate;
  policies: PolicyStore;
  bundles: BundleStore;
  changeSets: ChangeSets;
  acknowledgements: BundleAcknowledgements;
  appeals: AppealStore;
}

/** What the gate reports as it asks fv's solver: each call's outcome, and an encoding Cedar's replay contradicted. */
export interface GateHooks {
  onCall?: (ok: boolean) => void;
  onMismatch?: (mismatch: EncodingMismatch) => void;
}

export function buildIntegrityContext(
  service: ServiceContext,
  readers: OwnersReaders,
  hooks: GateHooks = {},
): IntegrityContext {
  const { platform } = service;
  const keys = platformSigningKeys(platform);
  const gate = new VerificationGate(
    readers.constitutions,
    platform.config.verification,
    hooks.onCall,
    hooks.onMismatch,
  );
  return {
    ...service,
    ...readers,
    keys,
    heads: new TreeHeads(platform.db, keys),
    audit: new AuditReader(platform.db),
    gate,
    policies: new PolicyStore(platform.db, platform.audit),
    bundles: new BundleStore(platform.db),
    changeSets: new ChangeSets(platform, gate, readers.constitutions),
    acknowledgements: new BundleAcknowledgements(platform.db),
    appeals: new AppealStore(platform.db, platform.audit, readers.decisions),
  };
}
