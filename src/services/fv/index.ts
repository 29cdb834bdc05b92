import type { ServiceApp, ServiceContext } from '../../platform/http/server.js';
import { holdSolverPool } from '../../platform/solver/shared.js';
import { JobStore } from './job-store.js';
import { createVerifierMetrics, registerSolverMetrics } from './metrics.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerVerifyRoutes } from './routes/verify.js';
import { JobRunner } from './runner.js';
import { JobView } from './schemas.js';
import { Verifier } from './verifier.js';

/** FV: Cedar bundles proved against the constitution with Z3; every counterexample replayed by Cedar before it is told. */
export async function registerFvService(app: ServiceApp, context: ServiceContext): Promise<void> {
  const { platform, metrics } = context;
  app.addSchema(JobView);
  const store = new JobStore(platform);
  // The solver workers load and warm Z3 (hundreds of milliseconds each) at start, not on the first question.
  const { pool, release } = await holdSolverPool(platform.config.verification);
  const stopCounting = registerSolverMetrics(metrics.registry, pool);
  const verifier = new Verifier(platform, pool);
  const runner = new JobRunner(store, verifier, createVerifierMetrics(metrics.registry), app.log);
  registerVerifyRoutes(app, store, runner, verifier);
  registerJobRoutes(app, store);
  await runner.start();
  app.addHook('onClose', async () => {
    await runner.stop();
    stopCounting();
    await release();
  });
}
