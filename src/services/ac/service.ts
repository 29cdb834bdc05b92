import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../platform/http/server.js';
import { buildConstitutionService, registerConstitutionRoutes } from './routes.js';

/** Deadlines are also enforced lazily on every read and vote; the sweep closes amendments nobody looks at. */
const DEADLINE_SWEEP_MS = 5_000;

export async function registerAcService(app: FastifyInstance, context: ServiceContext): Promise<void> {
  const service = buildConstitutionService(context);
  await registerConstitutionRoutes(app, service);
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
