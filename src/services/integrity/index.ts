import type { ServiceApp, ServiceContext } from '../../platform/http/server.js';
import { TreeHeads } from '../../platform/audit/tree-heads.js';
import { watchEnforcementAgreement } from './enforcement-agreement.js';
import { registerIntegrityGauges } from './metrics.js';
import { registerAppealRoutes } from './routes/appeals.js';
import { registerAuditLogRoutes } from './routes/audit-log.js';
import { registerAuditProofRoutes } from './routes/audit-proofs.js';
import { registerAuditVerification } from './routes/audit-verification.js';
import { registerBundleRoutes } from './routes/bundles.js';
import { registerChangeSetRoutes } from './routes/change-sets.js';
import { registerPolicyRoutes } from './routes/policies.js';
import { registerSignatureRoutes } from './routes/signatures.js';
import { platformSigningKeys } from './signing-keys.js';
import { VerificationGate } from './verification-gate.js';
import type { OwnersReaders } from './ports.js';

/** Integrity: the policy store and its lifecycle, signed bundles, OpenPGP signatures, the audit log, appeals. */
export function registerIntegrityService(app: ServiceApp, context: ServiceContext, readers: OwnersReaders): void {
  const { constitutions } = readers;
  const keys = platformSigningKeys(context.platform);
  const heads = new TreeHeads(context.platform.db, keys);
  registerSignatureRoutes(app, context, keys);
  const calls = context.metrics.serviceCalls;
  for (const status of ['ok', 'error']) calls.inc({ source: 'integrity', target: 'fv', status }, 0);
  const gate = new VerificationGate(
    constitutions,
    context.platform.config.verification,
    (ok) => calls.inc({ source: 'integrity', target: 'fv', status: ok ? 'ok' : 'error' }),
    (mismatch) => app.log.error({ request: mismatch.request, replayed: mismatch.replayed }, mismatch.message),
  );
  app.addHook('onClose', async () => gate.close());
  registerPolicyRoutes(app, context, gate, constitutions);
  registerChangeSetRoutes(app, context, gate, constitutions);
  registerBundleRoutes(app, context, heads);
  registerAuditLogRoutes(app, context);
  registerAuditProofRoutes(app, context, heads);
  registerAppealRoutes(app, context, readers.decisions);
  registerAuditVerification(app, context, heads);
  registerIntegrityGauges(context, constitutions);
  const agreement = watchEnforcementAgreement(context.platform.db, constitutions, (error) =>
    app.log.warn({ err: error }, 'comparing the policy store with the bundle in force failed'),
  );
  app.healthContributors.push(...agreement.health);
  app.addHook('onClose', async () => agreement.stop());
}
