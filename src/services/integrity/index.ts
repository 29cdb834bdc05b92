import type { ServiceApp, ServiceContext } from '../../platform/http/server.js';
import { buildIntegrityContext } from './context.js';
import { watchEnforcementAgreement } from './enforcement-agreement.js';
import { registerIntegrityGauges } from './metrics.js';
import type { OwnersReaders } from './ports.js';
import { registerAppealRoutes } from './routes/appeals.js';
import { registerAuditLogRoutes } from './routes/audit-log.js';
import { registerAuditProofRoutes } from './routes/audit-proofs.js';
import { registerAuditVerification } from './routes/audit-verification.js';
import { registerBundleRoutes } from './routes/bundles.js';
import { registerChangeSetRoutes } from './routes/change-sets.js';
import { registerPolicyRoutes } from './routes/policies.js';
import { registerSignatureRoutes } from './routes/signatures.js';

/**
 * Integrity: the policy store and its lifecycle, signed bundles, OpenPGP signatures, the audit log, appeals. Its
 * composition root: the parts are made once here (context.ts) and handed to the routes, gauges and watches.
 */
export function registerIntegrityService(app: ServiceApp, service: ServiceContext, readers: OwnersReaders): void {
  const calls = service.metrics.serviceCalls;
  for (const status of ['ok', 'error']) calls.inc({ source: 'integrity', target: 'fv', status }, 0);
  const context = buildIntegrityContext(service, readers, {
    onCall: (ok) => calls.inc({ source: 'integrity', target: 'fv', status: ok ? 'ok' : 'error' }),
    onMismatch: (mismatch) =>
      app.log.error({ request: mismatch.request, replayed: mismatch.replayed }, mismatch.message),
  });
  app.addHook('onClose', async () => context.gate.close());
  registerSignatureRoutes(app, context);
  registerPolicyRoutes(app, context);
  registerChangeSetRoutes(app, context);
  registerBundleRoutes(app, context);
  registerAuditLogRoutes(app, context);
  registerAuditProofRoutes(app, context);
  registerAppealRoutes(app, context);
  registerAuditVerification(app, context);
  registerIntegrityGauges(context);
  const agreement = watchEnforcementAgreement(context.platform.db, context.constitutions, (error) =>
    app.log.warn({ err: error }, 'comparing the policy store with the bundle in force failed'),
  );
  app.healthContributors.push(...agreement.health);
  app.addHook('onClose', async () => agreement.stop());
}
