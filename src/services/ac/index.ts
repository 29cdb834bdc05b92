import { constitution, type Constitution } from '../../domain/constitution/constitution-service.js';
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
  const { versions, principles, council } = buildConstitution(context);
  registerPrincipleRoutes(app, principles);
  registerConstitutionRoutes(app, versions);
  registerCouncilRoutes(app, council);
  if (context.platform.config.starterConstitution && (await versions.ensureStarter())) {
    app.log.info('loaded the starter constitution as version 1');
  }
  const sweep = setInterval(() => {
    council
      .closeDue()
      .catch((error: unknown) => app.log.warn({ err: error }, 'closing amendments past their deadline failed'));
  }, DEADLINE_SWEEP_MS);
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));
}

/** ac's composition root: its one store, and the constitution's parts made over it with their metrics. */
function buildConstitution({ platform, metrics }: ServiceContext): Constitution {
  const store = new SqlConstitutionStore(platform.db, platform.audit);
  const counters = constitutionMetrics(metrics.registry, async () => (await store.currentVersion())?.version ?? 0);
  return constitution(store, {
    amendmentStatus: (status) => counters.amendments.inc({ status }),
    voteCast: (vote) => counters.votes.inc({ vote }),
    versionEnacted: () => undefined,
  });
}
