import type { ServiceApp, ServiceContext } from '../../platform/http/server.js';
import type { OwnersReaders } from '../integrity/ports.js';
import { AmendmentLoop } from './amendment-loop.js';
import { buildGsContext } from './context.js';
import { registerSpecificationRoutes } from './routes/specifications.js';
import { registerSynthesizeRoutes } from './routes/synthesize.js';
import { registerTemplateRoutes } from './routes/templates.js';
import { SynthesisRunner } from './runner.js';
import { Synthesiser } from './synthesiser.js';

/**
 * GS: principles become verified Cedar — compiled, or written by an LLM and kept only once proven — and the loop from
 * an enacted amendment to drafts awaiting approval. Its composition root: the parts are made once here (context.ts).
 */
export async function registerGsService(
  app: ServiceApp,
  service: ServiceContext,
  readers: OwnersReaders,
): Promise<void> {
  const context = buildGsContext(service, readers, app.log);
  const runner = new SynthesisRunner(context.runs, new Synthesiser(context, app.log), app.log);
  registerSynthesizeRoutes(app, context, runner);
  registerSpecificationRoutes(app, context);
  registerTemplateRoutes(app, context);
  await runner.start();
  const loop = new AmendmentLoop(context, runner, app.log);
  await loop.start();
  app.addHook('onClose', async () => {
    await loop.stop();
    await runner.stop();
    await context.gate.close();
    await context.solver.close();
  });
}
