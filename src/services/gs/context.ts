import type { FastifyBaseLogger } from 'fastify';
import type { ChatModel } from '../../domain/synthesis/chat-model.js';
import type { ServiceContext } from '../../platform/http/server.js';
import { configuredModel } from '../../platform/llm/openai-chat-model.js';
import { LazySolverPool } from '../../platform/solver/shared.js';
import { SqlConstitutionStore } from '../ac/sql-store.js';
import { ChangeSets } from '../integrity/change-sets.js';
import { PolicyStore } from '../integrity/policy-store.js';
import type { OwnersReaders } from '../integrity/ports.js';
import { VerificationGate } from '../integrity/verification-gate.js';
import { createSynthesisMetrics, type SynthesisMetrics } from './metrics.js';
import { PolicySubmission } from './policy-submission.js';
import { RunStore } from './run-store.js';
import { SpecificationStore } from './specification-store.js';
import { TemplateStore } from './template-store.js';

/**
 * gs's parts, made once when the service starts (its composition root, `index.ts`): its own stores, and the parts of
 * ac and integrity it works through (the constitution store, the policy store, change sets and the gate).
 */
export interface GsContext extends ServiceContext {
  synthesis: SynthesisMetrics;
  runs: RunStore;
  specifications: SpecificationStore;
  templates: TemplateStore;
  constitutions: SqlConstitutionStore;
  /** What gs reads of tables other services own (the constitution in force). */
  readers: OwnersReaders;
  policies: PolicyStore;
  changeSets: ChangeSets;
  submission: PolicySubmission;
  /** Solver workers start on the first question gs asks, and are shared with fv and integrity in the same process. */
  solver: LazySolverPool;
  gate: VerificationGate;
  model: ChatModel | null;
}

export function buildGsContext(service: ServiceContext, readers: OwnersReaders, log: FastifyBaseLogger): GsContext {
  const { platform } = service;
  const synthesis = createSynthesisMetrics(service.metrics);
  const gate = new VerificationGate(
    readers.constitutions,
    platform.config.verification,
    (ok) => synthesis.serviceCalls(ok),
    (mismatch) => log.error({ request: mismatch.request, replayed: mismatch.replayed }, mismatch.message),
  );
  const policies = new PolicyStore(platform.db, platform.audit);
  const changeSets = new ChangeSets(platform, gate, readers.constitutions);
  return {
    ...service,
    synthesis,
    runs: new RunStore(platform.db, platform.audit),
    specifications: new SpecificationStore(platform.db),
    templates: new TemplateStore(platform.db, platform.audit),
    constitutions: new SqlConstitutionStore(platform.db, platform.audit),
    readers,
    policies,
    changeSets,
    submission: new PolicySubmission(gate, changeSets, policies),
    solver: new LazySolverPool(platform.config.verification),
    gate,
    model: configuredModel(platform.config.llm, synthesis.modelUsage),
  };
}
