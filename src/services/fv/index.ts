import type { ServiceApp, ServiceContext } from '../../platform/http/server.js';
import { holdZ3 } from '../../domain/verify/z3.js';
import { JobStore } from './job-store.js';
import { createVerifierMetrics } from './metrics.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerVerifyRoutes } from './routes/verify.js';
import { JobRunner } from './runner.js';
import { JobView } from './schemas.js';
import { Verifier } from './verifier.js';

/** Per solver call: a question that needs longer is `inconclusive`, never guessed. */
const QUERY_TIMEOUT_MS = 30_000;

/** FV: Cedar bundles proved against the constitution with Z3; every counterexample replayed by Cedar before it is told. */
export async function registerFvService(app: ServiceApp, context: ServiceContext): Promise<void> {
  const { platform, metrics } = context;
  app.addSchema(JobView);
  const store = new JobStore(platform);
  const verifier = new Verifier(platform, QUERY_TIMEOUT_MS);
  const runner = new JobRunner(store, verifier, createVerifierMetrics(metrics.registry), app.log);
  registerVerifyRoutes(app, store, runner, verifier);
  registerJobRoutes(app, store);
  // Loading Z3's WASM takes hundreds of milliseconds: done at start, not on the first question.
  const releaseZ3 = await holdZ3();
  await runner.start();
  app.addHook('onClose', async () => {
    await runner.stop();
    await releaseZ3();
  });
}
