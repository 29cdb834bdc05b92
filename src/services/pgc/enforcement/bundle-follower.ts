import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CHANNELS } from '../../../domain/notifications.js';
import { BundleAcknowledgements } from '../../integrity/bundle-acknowledgements.js';
import type { TreeHeads } from '../../../platform/audit/tree-heads.js';
import type { ServiceApp, ServiceContext } from '../../../platform/http/server.js';
import { ensureStarterBundle } from '../../integrity/bundle-builder.js';
import { bundleLogProof } from '../../integrity/bundle-log-proof.js';
import type { ConstitutionReader } from '../../integrity/ports.js';
import type { BundleStore } from '../../integrity/bundle-store.js';
import { verifyWithPlatformKeys } from '../../integrity/signing-keys.js';
import { ActiveBundle } from './active-bundle.js';
import {
  createBundleLoadFailures,
  createEvaluatorMetrics,
  registerBundleGauges,
  registerEvaluatorGauge,
} from '../metrics.js';

/** How often PGC compares the active bundle version with its own, in case a notification never arrived. */
const BUNDLE_CHECK_INTERVAL_MS = 2000;

/**
 * The bundle this instance enforces, kept current: loaded at start, reloaded on every activation notice (and after a
 * lost listener comes back), and checked every two seconds in case a notice was missed. A bundle whose signature
 * (by a pinned key, when pinned), log proof or policies do not check out is refused and the last good one stays.
 */
export async function followActiveBundle(
  app: ServiceApp,
  { platform, metrics }: ServiceContext,
  store: BundleStore,
  heads: TreeHeads,
  constitutions: ConstitutionReader,
): Promise<ActiveBundle> {
  const loadFailures = createBundleLoadFailures(metrics.registry);
  const evaluator = createEvaluatorMetrics(metrics.registry);
  const acknowledgements = new BundleAcknowledgements(platform.db);
  // Unique per process start: a restarted instance is a new one, and the stopped one's row ages out.
  const instance = `pgc ${platform.config.instanceId}@${hostname()} ${randomUUID().slice(0, 8)}`;
  let enforcing: { version: number; since: Date } | null = null;
  const acknowledge = () => {
    if (enforcing === null) return Promise.resolve();
    return acknowledgements
      .record(instance, enforcing.version, enforcing.since)
      .catch((error: unknown) => app.log.warn({ err: error }, 'recording which bundle this instance enforces failed'));
  };
  const pinned = platform.config.enforcement.trustedKeyFingerprints;
  const trusted = async (bytes: Uint8Array, signature: string) => {
    const { valid, fingerprint } = await verifyWithPlatformKeys(platform.db, bytes, signature);
    return valid && (pinned === null || (fingerprint !== null && pinned.includes(fingerprint.toLowerCase())));
  };
  const active = new ActiveBundle(
    store,
    trusted,
    (signed, since) => bundleLogProof(platform.db, heads, signed, since),
    (reason, detail) => {
      loadFailures.inc({ reason });
      app.log.error({ reason, detail }, 'policy bundle refused');
    },
    (version, since) => {
      enforcing = { version, since };
      void acknowledge();
    },
    {
      compiled: platform.config.enforcement.evaluator === 'compiled',
      checkRate: platform.config.enforcement.evaluatorCheckPercent / 100,
      onEvaluated: (compiled) => evaluator.evaluations.inc({ evaluator: compiled ? 'compiled' : 'cedar' }),
      onMismatch: (request, compiled, cedar) => {
        evaluator.mismatches.inc();
        app.log.error(
          { request, compiled, cedar },
          'the compiled evaluator disagreed with cedar-wasm: this instance decides with cedar-wasm until it restarts',
        );
      },
    },
  );
  registerEvaluatorGauge(metrics.registry, active);
  registerBundleGauges(metrics.registry, active);
  app.healthContributors.push(active.health);

  await ensureStarterBundle(platform, constitutions);
  await active.reload();
  const reload = () =>
    active.reload().catch((error: unknown) => app.log.error({ err: error }, 'reloading the policy bundle failed'));
  const constitutionChanged = () => void ensureStarterBundle(platform, constitutions).then(reload, reload);
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
    void acknowledge();
    active
      .checkForNewer()
      .catch((error: unknown) => app.log.warn({ err: error }, 'checking for a newer policy bundle failed'));
  }, BUNDLE_CHECK_INTERVAL_MS);
  backstop.unref();
  app.addHook('onClose', async () => {
    clearInterval(backstop);
    await Promise.all(unsubscribe.map((stop) => stop()));
    await acknowledgements
      .forget(instance)
      .catch((error: unknown) => app.log.debug({ err: error }, 'a stopped instance row will age out instead'));
  });
  return active;
}
