import { TreeHeads } from '../../platform/audit/tree-heads.js';
import type { ServiceApp, ServiceContext } from '../../platform/http/server.js';
import { BundleStore } from '../integrity/bundle-store.js';
import { PolicyStore } from '../integrity/policy-store.js';
import { platformSigningKeys } from '../integrity/signing-keys.js';
import { followActiveBundle } from './bundle-follower.js';
import { DecisionLog } from './decision-log.js';
import { Enforcer } from './enforcer.js';
import { createEnforcerMetrics } from './metrics.js';
import { createModerationClient } from './moderation-client.js';
import { registerBundleRoutes } from './routes/bundle.js';
import { registerDecisionRoutes } from './routes/decisions.js';
import { registerRuleRoutes } from './routes/rules.js';

/** PGC: real-time enforcement of the signed bundle in force on every AI request, every decision logged durably. */
export async function registerPgcService(app: ServiceApp, context: ServiceContext): Promise<void> {
  const { platform, metrics } = context;
  const { config } = platform;
  const store = new BundleStore(platform.db);
  const heads = new TreeHeads(platform.db, platformSigningKeys(platform));
  const active = await followActiveBundle(app, context, store, heads);

  const log = new DecisionLog(platform.db, platform.audit);
  app.addHook('onClose', async () => log.drain());
  const classifierCall = (status: 'ok' | 'error') =>
    metrics.serviceCalls.inc({ source: 'pgc', target: 'classifier', status });
  if (config.enforcement.classifier !== null)
    for (const status of ['ok', 'error'] as const)
      metrics.serviceCalls.inc({ source: 'pgc', target: 'classifier', status }, 0);
  const classifier =
    config.enforcement.classifier === null
      ? null
      : createModerationClient(config.enforcement.classifier, classifierCall);
  const enforcer = new Enforcer(active, log, createEnforcerMetrics(metrics.registry), {
    storeContent: config.enforcement.storeContent,
    cacheSize: config.enforcement.decisionCacheSize,
    cacheTtlSeconds: config.cacheTtlSeconds,
    keywordLists: config.enforcement.keywordLists,
    classify: classifier,
  });

  registerDecisionRoutes(app, context, enforcer, log);
  registerBundleRoutes(app, context, active, store, heads);
  registerRuleRoutes(app, active, new PolicyStore(platform));
}
