import type { ServiceApp, ServiceContext } from '../../platform/http/server.js';
import { configuredModel } from '../../platform/llm/openai-chat-model.js';
import { LazySolverPool } from '../../platform/solver/shared.js';
import type { OwnersReaders } from '../integrity/ports.js';
import { VerificationGate } from '../integrity/verification-gate.js';
import { AmendmentLoop } from './amendment-loop.js';
import { createSynthesisMetrics } from './metrics.js';
import { registerSpecificationRoutes } from './routes/specifications.js';
import { registerSynthesizeRoutes } from './routes/synthesize.js';
import { registerTemplateRoutes } from './routes/templates.js';
import { TemplateStore } from './template-store.js';
import { SpecificationStore } from './specification-store.js';
import { RunStore } from './run-store.js';
import { SynthesisRunner } from './runner.js';
import { Synthesiser } from './synthesiser.js';

/** GS: principles become verified Cedar — compiled, or written by an LLM and kept only once proven — and the loop from an enacted amendment to drafts awaiting approval. */
export async function registerGsService(
  app: ServiceApp,
  context: ServiceContext,
  readers: OwnersReaders,
): Promise<void> {
  const { platform } = context;
  const metrics = createSynthesisMetrics(context.metrics);
  const store = new RunStore(platform);
  // Solver workers start on the first question gs asks, and are shared with fv and integrity in the same process.
  const solver = new LazySolverPool(platform.config.verification);
  const gate = new VerificationGate(
    readers.constitutions,
    platform.config.verification,
    (ok) => metrics.serviceCalls(ok),
    (mismatch) => app.log.error({ request: mismatch.request, replayed: mismatch.replayed }, mismatch.message),
  );
  const model = configuredModel(platform.config.llm, metrics.modelUsage);
  const synthesiser = new Synthesiser(platform, store, solver, gate, model, metrics, app.log);
  const runner = new SynthesisRunner(store, synthesiser, app.log);
  registerSynthesizeRoutes(app, context, store, runner, solver, model !== null);
  registerSpecificationRoutes(app, context, new SpecificationStore(platform), model, solver);
  registerTemplateRoutes(app, context, new TemplateStore(platform), gate);
  await runner.start();
  const loop = new AmendmentLoop(platform, store, runner, app.log);
  await loop.start();
  app.addHook('onClose', async () => {
    await loop.stop();
    await runner.stop();
    await gate.close();
    await solver.close();
  });
}
