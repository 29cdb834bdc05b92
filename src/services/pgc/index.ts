import { TreeHeads } from '../../platform/audit/tree-heads.js';
import type { ServiceApp, ServiceContext } from '../../platform/http/server.js';
import { BundleStore } from '../integrity/bundle-store.js';
import { PolicyStore } from '../integrity/policy-store.js';
import { platformSigningKeys } from '../integrity/signing-keys.js';
import { followActiveBundle } from './enforcement/bundle-follower.js';
import { DecisionLog } from './decision-log/log.js';
import { DecisionQueries } from './decision-log/queries.js';
import { CandidateEngines } from './enforcement/candidate-engine.js';
import { registerSimulateRoutes } from './routes/simulate.js';
import { Enforcer } from './enforcement/enforcer.js';
import { createEnforcerMetrics } from './metrics.js';
import { DatabaseDecisionWriter } from './decision-log/writer.js';
import { ThreadDecisionWriter } from './decision-log/threaded-writer.js';
import { createModerationClient } from './detection/moderation-client.js';
import { registerBundleRoutes } from './routes/bundle.js';
import { registerDecisionRoutes } from './routes/decisions.js';
import { createGatewayMetrics, McpGateway } from './mcp/gateway.js';
import { ServerRegistry } from './mcp/server-registry.js';
import { Upstreams } from './mcp/upstreams.js';
import { registerApprovalRoutes } from './routes/approvals.js';
import { registerMcpEndpoint } from './routes/mcp.js';
import { registerMcpServerRoutes } from './routes/mcp-servers.js';
import { registerRuleRoutes } from './routes/rules.js';
import { registerToolRoutes } from './routes/tools.js';
import { registerLlmRoutes } from './routes/llm.js';
import { registerLlmUpstreamRoutes } from './routes/llm-upstreams.js';
import { createLlmGatewayMetrics, LlmGateway } from './llm/gateway.js';
import { LlmUpstreamRegistry } from './llm/upstream-registry.js';
import { UsageMeter } from './llm/usage-meter.js';
import { ApprovalStore } from './enforcement/approval-store.js';
import { DatabaseSessions } from './enforcement/session-store.js';
import { ToolCatalogue } from './enforcement/tool-catalogue.js';
import { DetectorPool } from './detection/detector-pool.js';
import { enforcementCedar, toolsCedar } from '../../domain/policy/cedar-runtime.js';
import type { OwnersReaders } from '../integrity/ports.js';

/**
 * From 16 KiB a scan costs a few milliseconds (bench: detector scaling), more than the hop to the detector thread;
 * below it the hop costs more than the scan.
 */
const DETECT_OFF_THREAD_FROM = 16 * 1024;

/** PGC: real-time enforcement of the signed bundle in force on every AI request, every decision logged durably. */
export async function registerPgcService(
  app: ServiceApp,
  context: ServiceContext,
  readers: OwnersReaders,
): Promise<void> {
  const { platform, metrics } = context;
  const { config } = platform;
  const store = new BundleStore(platform.db);
  const heads = new TreeHeads(platform.db, platformSigningKeys(platform));
  const active = await followActiveBundle(app, context, store, heads, readers.constitutions);

  const enforcerMetrics = createEnforcerMetrics(metrics.registry);
  for (const runtime of [enforcementCedar, toolsCedar]) {
    const stop = runtime.onFault((name, detail) => {
      enforcerMetrics.cedarFaults.inc({ runtime: name });
      platform.logger.error({ runtime: name, detail }, 'a Cedar instance faulted and was replaced');
    });
    app.addHook('onClose', async () => stop());
  }
  const { database } = config;
  // On PostgreSQL decisions are written from a thread of their own; PGlite is this thread's, so it writes here.
  const writer =
    database.kind === 'postgres'
      ? new ThreadDecisionWriter(
          { url: database.url, size: 2, maxOverflow: 2, timeoutMs: config.pool.timeoutMs },
          (seconds) => platform.processMetrics.auditAppendDuration.observe(seconds),
        )
      : new DatabaseDecisionWriter(platform.audit);
  const log = new DecisionLog(platform.db, writer, {
    onWrite: (rows, seconds) => {
      enforcerMetrics.logBatchRows.observe(rows);
      enforcerMetrics.logWriteDuration.observe(seconds);
    },
  });
  app.addHook('onClose', async () => {
    await log.drain();
    await writer.close();
  });
  const classifierCall = (status: 'ok' | 'error') =>
    metrics.serviceCalls.inc({ source: 'pgc', target: 'classifier', status });
  if (config.enforcement.classifier !== null)
    for (const status of ['ok', 'error'] as const)
      metrics.serviceCalls.inc({ source: 'pgc', target: 'classifier', status }, 0);
  const classifier =
    config.enforcement.classifier === null
      ? null
      : createModerationClient(config.enforcement.classifier, classifierCall);
  // A catalogue change reaches other instances within seconds, however long other cached lookups live.
  const catalogue = new ToolCatalogue(platform.db, Math.min(config.cacheTtlSeconds, 5));
  const sessions = new DatabaseSessions(platform.db);
  const approvals = new ApprovalStore(platform.db, platform.audit, {
    pendingSeconds: config.approvals.pendingSeconds,
    grantSeconds: config.approvals.grantSeconds,
  });
  const detectors = new DetectorPool({
    keywordLists: config.enforcement.keywordLists,
    // A customer's own regular expression may backtrack without end: with one configured, every scan runs where
    // its time budget can stop it.
    offThreadFrom: config.enforcement.keywordLists.some((list) => list.hasPatterns) ? 0 : DETECT_OFF_THREAD_FROM,
    timeoutMs: config.enforcement.detectorTimeoutMs,
  });
  app.addHook('onClose', () => detectors.close());
  const enforcer = new Enforcer(active, log, catalogue, approvals, enforcerMetrics, {
    storeContent: config.enforcement.storeContent,
    cacheSize: config.enforcement.decisionCacheSize,
    cacheTtlSeconds: config.cacheTtlSeconds,
    detectors,
    maxContentBytes: config.enforcement.maxContentBytes,
    classify: classifier,
  });

  const registry = new ServerRegistry(platform.db);
  const upstreams = new Upstreams(registry, platform.logger);
  app.addHook('onClose', () => upstreams.close());
  const gateway = new McpGateway({
    enforcer,
    active,
    catalogue,
    registry,
    upstreams,
    audit: platform.audit,
    metrics: createGatewayMetrics(metrics.registry),
    logger: platform.logger,
    approvals,
    approvalWaitSeconds: config.mcp.approvalWaitSeconds,
  });

  const llmUpstreams = new LlmUpstreamRegistry(platform.db);
  const llm = new LlmGateway({
    enforcer,
    upstreams: llmUpstreams,
    usage: new UsageMeter(platform.db, platform.cache),
    metrics: createLlmGatewayMetrics(metrics.registry),
    audit: platform.audit,
  });

  registerDecisionRoutes(app, enforcer, sessions, new DecisionQueries(platform.db));
  registerSimulateRoutes(app, enforcer, active, new CandidateEngines());
  registerToolRoutes(app, context, catalogue);
  registerApprovalRoutes(app, approvals, config.approvals.approverRoles);
  registerMcpServerRoutes(app, context, { registry, upstreams, gateway });
  registerMcpEndpoint(app, gateway, { idleSeconds: config.mcp.sessionIdleSeconds });
  registerBundleRoutes(app, context, active, store, heads);
  registerRuleRoutes(app, active, new PolicyStore(platform.db, platform.audit));
  registerLlmUpstreamRoutes(app, context, llmUpstreams);
  registerLlmRoutes(app, llm, sessions);
}
