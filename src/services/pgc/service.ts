import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import client from 'prom-client';
import type { EvaluationRequest } from '../../domain/enforcement/decide.js';
import { AppError, NotFoundError } from '../../domain/errors.js';
import { countersByLabel } from '../../platform/metrics.js';
import { principalOf } from '../../platform/http/access.js';
import { errorResponses, UuidParam } from '../../platform/http/schemas.js';
import type { ServiceContext } from '../../platform/http/server.js';
import { ActiveBundle, BUNDLE_LOAD_FAILURES } from './active-bundle.js';
import { ensureStarterBundle } from '../integrity/bundle-builder.js';
import { bundleLogProof } from '../integrity/bundle-log-proof.js';
import { TreeHeads } from '../../platform/audit/tree-heads.js';
import { platformSigningKeys, verifyWithPlatformKeys } from '../integrity/signing-keys.js';
import { BundleStore } from '../integrity/bundle-store.js';
import { CHANNELS } from '../../domain/notifications.js';
import { DecisionLog } from './decision-log.js';
import { createEnforcerMetrics, Enforcer } from './enforcer.js';
import { createModerationClient } from './moderation-client.js';
import { LoggedBundleView, PolicyBody as SubmitRuleBody, PolicyVersionView } from '../integrity/schemas.js';
import { PolicyStore } from '../integrity/policy-store.js';
import { BatchBody, BatchView, DecisionRecordView, DecisionView, EvaluateBody, RulesView } from './schemas.js';

const CALLERS = ['agent', 'admin', 'policy_manager'] as const;
const READERS = ['admin', 'policy_manager', 'auditor'] as const;
/** How often PGC compares the active bundle version with its own, in case a notification never arrived. */
const BUNDLE_CHECK_INTERVAL_MS = 2000;

export async function registerPgcService(app: FastifyInstance, { platform, metrics }: ServiceContext): Promise<void> {
  const { config } = platform;
  const store = new BundleStore(platform.db);
  const loadFailures = countersByLabel(metrics.registry, {
    name: 'acgs_pgc_bundle_load_failures_total',
    help: 'Bundles refused, by reason (signature, not in the audit log, bad proof or tree head, invalid policies); the last good one stays in force',
    label: 'reason',
    values: BUNDLE_LOAD_FAILURES,
  });
  const pinned = config.enforcement.trustedKeyFingerprints;
  const trusted = async (bytes: Uint8Array, signature: string) => {
    const { valid, fingerprint } = await verifyWithPlatformKeys(platform.db, bytes, signature);
    return valid && (pinned === null || (fingerprint !== null && pinned.includes(fingerprint.toLowerCase())));
  };
  const heads = new TreeHeads(platform.db, platformSigningKeys(platform));
  const active = new ActiveBundle(
    store,
    trusted,
    (signed, since) => bundleLogProof(platform.db, heads, signed, since),
    (reason, detail) => {
      loadFailures.inc({ reason });
      app.log.error({ reason, detail }, 'policy bundle refused');
    },
  );
  new client.Gauge({
    name: 'acgs_pgc_bundle_info',
    help: 'The bundle in force (value 1), by hash',
    labelNames: ['bundle_hash', 'constitution_hash', 'version'] as const,
    registers: [metrics.registry],
    collect() {
      this.reset();
      const engine = active.engine;
      if (engine !== null)
        this.set(
          {
            bundle_hash: engine.bundleHash,
            constitution_hash: engine.bundle.constitution_hash,
            version: String(engine.bundle.version),
          },
          1,
        );
    },
  });
  new client.Gauge({
    name: 'acgs_pgc_bundle_version',
    help: 'Version of the bundle in force (0: none); behind acgs_bundle_active_version means this instance is stale or refused the new bundle',
    registers: [metrics.registry],
    collect() {
      this.set(active.engine?.bundle.version ?? 0);
    },
  });
  app.healthContributors.push(active.health);

  const log = new DecisionLog(platform.db, platform.audit);
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

  await ensureStarterBundle(platform);
  await active.reload();
  const reload = () =>
    active.reload().catch((error: unknown) => app.log.error({ err: error }, 'reloading the policy bundle failed'));
  const constitutionChanged = () => void ensureStarterBundle(platform).then(reload, reload);
  const unsubscribe = [
    // After a lost connection the listener is back but what was announced meanwhile is not: look again.
    await platform.db.listen(
      CHANNELS.bundleActivated,
      () => void reload(),
      () => void reload(),
    ),
    // A constitution enacted after PGC started may be the first one: the starter bundle can be built now.
    await platform.db.listen(CHANNELS.constitutionChanged, constitutionChanged, constitutionChanged),
  ];
  const backstop = setInterval(() => {
    active
      .checkForNewer()
      .catch((error: unknown) => app.log.warn({ err: error }, 'checking for a newer policy bundle failed'));
  }, BUNDLE_CHECK_INTERVAL_MS);
  backstop.unref();
  app.addHook('onClose', async () => {
    clearInterval(backstop);
    await Promise.all(unsubscribe.map((stop) => stop()));
    await log.drain();
  });

  const policyStore = new PolicyStore(platform);
  const maxBytes = config.enforcement.maxContentBytes;
  const checkContent = (request: EvaluationRequest) => {
    if (request.content !== undefined && Buffer.byteLength(request.content, 'utf8') > maxBytes) {
      throw new AppError(
        'too_large',
        'CONTENT_TOO_LARGE',
        `content is over the ${maxBytes}-byte limit (ACGS_MAX_CONTENT_BYTES)`,
      );
    }
  };

  app.post<{ Body: Static<typeof EvaluateBody> }>(
    '/api/v1/enforcement/evaluate',
    {
      config: { access: CALLERS },
      schema: {
        tags: ['enforcement'],
        summary: 'Decide on one AI request; the decision is logged durably before the answer',
        body: EvaluateBody,
        response: { 200: DecisionView, ...errorResponses(400, 401, 403, 413, 503) },
      },
    },
    async (request) => {
      checkContent(request.body);
      return enforcer.evaluate(request.body, principalOf(request).userId, request.id);
    },
  );

  app.post<{ Body: Static<typeof BatchBody> }>(
    '/api/v1/enforcement/evaluate/batch',
    {
      config: { access: CALLERS },
      schema: {
        tags: ['enforcement'],
        summary: 'Decide on up to 1,000 requests (one group commit)',
        body: BatchBody,
        response: { 200: BatchView, ...errorResponses(400, 401, 403, 413, 503) },
      },
    },
    async (request) => {
      request.body.requests.forEach(checkContent);
      const caller = principalOf(request).userId;
      return {
        results: await Promise.all(request.body.requests.map((item) => enforcer.evaluate(item, caller, request.id))),
      };
    },
  );

  app.get<{ Params: Static<typeof UuidParam> }>(
    '/api/v1/enforcement/decisions/:id',
    {
      config: { access: READERS },
      schema: {
        tags: ['enforcement'],
        summary: 'A logged decision with its full trace',
        params: UuidParam,
        response: { 200: DecisionRecordView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const rows = await platform.db.query<Record<string, unknown>>('SELECT * FROM decisions WHERE id = $1', [
        request.params.id,
      ]);
      if (rows[0] === undefined) throw new NotFoundError('Decision not found', 'DECISION_NOT_FOUND');
      return rows[0];
    },
  );

  app.get(
    '/api/v1/enforcement/bundle',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['enforcement'],
        summary: 'The signed bundle in force with the audit log proof of its activation, for local guards',
        response: { 200: LoggedBundleView, ...errorResponses(401, 404) },
      },
    },
    async () => {
      const engine = active.engine;
      if (engine === null) throw new NotFoundError('No verified bundle is in force', 'NO_ACTIVE_BUNDLE');
      const signed = await store.active();
      if (signed === null || signed.hash !== engine.bundleHash)
        throw new NotFoundError('The bundle in force is being replaced; retry', 'NO_ACTIVE_BUNDLE');
      return { ...signed, log_proof: await bundleLogProof(platform.db, heads, signed, null) };
    },
  );

  app.post<{ Body: Static<typeof SubmitRuleBody> }>(
    '/api/v1/enforcement/rules',
    {
      config: { access: ['admin', 'policy_manager'] },
      schema: {
        tags: ['enforcement'],
        summary:
          'Submit a Cedar policy as a draft into the policy store for review (Cedar diagnostics with line and column on 400)',
        body: SubmitRuleBody,
        response: { 201: PolicyVersionView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await policyStore.submit(request.body, principalOf(request).userId, 'either')),
  );

  app.get(
    '/api/v1/enforcement/rules',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['enforcement'],
        summary: 'The policies in force, with the principles they implement',
        response: { 200: RulesView, ...errorResponses(401) },
      },
    },
    async () => {
      const engine = active.engine;
      return {
        bundle_version: engine?.bundle.version ?? null,
        bundle_hash: engine?.bundleHash ?? null,
        constitution_hash: engine?.bundle.constitution_hash ?? null,
        policies: engine?.bundle.policies ?? [],
      };
    },
  );
}
