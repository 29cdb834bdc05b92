import type { ServiceApp, ServiceContext } from '../../platform/http/server.js';
import { holdSolverPool } from '../../platform/solver/shared.js';
import { JobStore } from './job-store.js';
import { ConformanceWatch } from './conformance-watch.js';
import { createVerifierMetrics, registerConformanceGauge, registerSolverMetrics } from './metrics.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerVerifyRoutes } from './routes/verify.js';
import { JobRunner } from './runner.js';
import { JobView } from './schemas.js';
import { Verifier } from './verifier.js';
import type { OwnersReaders } from '../integrity/ports.js';
import { BundleStore } from '../integrity/bundle-store.js';

/** FV: Cedar bundles proved against the constitution with Z3; every counterexample replayed by Cedar before it is told. */
export async function registerFvService(
  app: ServiceApp,
  context: ServiceContext,
  readers: OwnersReaders,
): Promise<void> {
  const { platform, metrics } = context;
  app.addSchema(JobView);
  const store = new JobStore(platform.db, platform.audit);
  // The solver workers load and warm Z3 (hundreds of milliseconds each) at start, not on the first question.
  const { pool, release } = await holdSolverPool(platform.config.verification);
  const stopCounting = registerSolverMetrics(metrics.registry, pool);
  const stopLogging = pool.listen({
    onWorkerLost: (reason) => app.log.warn({ reason }, 'a solver worker was lost and replaced'),
  });
  const verifier = new Verifier(
    platform.db,
    new BundleStore(platform.db),
    readers.constitutions,
    pool,
    readers.decisions,
  );
  const runner = new JobRunner(store, verifier, createVerifierMetrics(metrics.registry), app.log);
  registerVerifyRoutes(app, store, runner, verifier);
  registerJobRoutes(app, store);
  await runner.start();
  const watch = new ConformanceWatch(platform.db, readers.constitutions, store, runner, app.log);
  app.healthContributors.push(watch.health);
  registerConformanceGauge(metrics.registry, () => watch.conforms());
  watch.start();
  app.addHook('onClose', async () => {
    // The runner first: it answers the watch's wait, so the watch stops at once.
    await runner.stop();
    await watch.stop();
    stopCounting();
    stopLogging();
    await release();
  });
}
