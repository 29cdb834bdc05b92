import { ConstitutionService } from '../../domain/constitution/constitution-service.js';
import type { ServiceApp, ServiceContext } from '../../platform/http/server.js';
import { constitutionMetrics } from './metrics.js';
import { registerConstitutionRoutes } from './routes/constitution.js';
import { registerCouncilRoutes } from './routes/council.js';
import { registerPrincipleRoutes } from './routes/principles.js';
import { SqlConstitutionStore } from './sql-store.js';

/** Deadlines are also enforced lazily on every read and vote; the sweep closes amendments nobody looks at. */
const DEADLINE_SWEEP_MS = 5_000;

/** AC: principles, constitution versions and hash, meta-rules, amendments and council votes. */
export async function registerAcService(app: ServiceApp, context: ServiceContext): Promise<void> {
  const service = buildConstitutionService(context);
  registerPrincipleRoutes(app, service);
  registerConstitutionRoutes(app, service);
  registerCouncilRoutes(app, service);
  if (context.platform.config.starterConstitution && (await service.ensureStarter())) {
    app.log.info('loaded the starter constitution as version 1');
  }
  const sweep = setInterval(() => {
    service
      .closeDue()
      .catch((error: unknown) => app.log.warn({ err: error }, 'closing amendments past their deadline failed'));
  }, DEADLINE_SWEEP_MS);
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));
}

export function buildConstitutionService({ platform, metrics }: ServiceContext): ConstitutionService {
  const store = new SqlConstitutionStore(platform.db, platform.audit);
  const counters = constitutionMetrics(metrics.registry, async () => (await store.currentVersion())?.version ?? 0);
  return new ConstitutionService(store, {
    amendmentStatus: (status) => counters.amendments.inc({ status }),
    voteCast: (vote) => counters.votes.inc({ vote }),
    versionEnacted: () => undefined,
  });
}
