import client from 'prom-client';
import { VerificationRoundView, VerificationStatusView } from '../schemas.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import { countersByLabel } from '../../../platform/metrics.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { IntegrityContext } from '../context.js';
import { AuditWatch, WATCH_CHECKS } from '../../../platform/audit/watch.js';
import { signedByPlatformKey } from '../signing-keys.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

const TREE_HEAD_INTERVAL_MS = 60_000;

/**
 * Keeps the log signed and checked while the service runs: a signed head at most a minute behind, a verification
 * round with it (and on POST /api/v1/audit/verify), and the metrics the audit alerts watch.
 */
export function registerAuditVerification(
  app: ServiceApp,
  { platform, metrics, heads, audit }: IntegrityContext,
): void {
  const { db } = platform;
  const watch = new AuditWatch(db, signedByPlatformKey);
  const verifyFailures = countersByLabel(metrics.registry, {
    name: 'acgs_audit_verify_failures_total',
    help: 'Problems found by the running audit log verification (per problem per round), by check',
    label: 'check',
    values: WATCH_CHECKS,
  });
  new client.Gauge({
    name: 'acgs_audit_last_verification_timestamp_seconds',
    help: 'When the running audit log verification last completed (Unix time; 0 = not yet)',
    registers: [metrics.registry],
    collect() {
      this.set((watch.lastRunAt?.getTime() ?? 0) / 1000);
    },
  });
  // What the last round of this instance found, for GET /api/v1/audit/verification (the console's overview).
  let lastFindings: number | null = null;
  async function verifyRound() {
    const findings = await watch.run();
    lastFindings = findings.length;
    for (const finding of findings) {
      verifyFailures.inc({ check: finding.check });
      app.log.error({ finding }, 'audit log verification found a problem');
    }
    return findings;
  }
  // A signed head a minute at most behind the log, even when nobody asks for one, and a verification round with it.
  const ticker = setInterval(() => {
    heads
      .current()
      .then(verifyRound)
      .catch((error: unknown) => app.log.warn({ err: error }, 'signing or verifying the audit log failed'));
  }, TREE_HEAD_INTERVAL_MS);
  ticker.unref();
  app.addHook('onClose', async () => clearInterval(ticker));

  app.get(
    '/api/v1/audit/verification',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['audit'],
        summary:
          "The running verification's last round in this instance: when it completed, how far the log is verified, how many problems it found",
        response: { 200: VerificationStatusView, ...errorResponses(401, 403) },
      },
    },
    async () => ({
      last_run_at: watch.lastRunAt?.toISOString() ?? null,
      ok: lastFindings === null ? null : lastFindings === 0,
      problems: lastFindings,
      verified_size: watch.verifiedSize,
      tree_size: await audit.size(),
    }),
  );

  app.post(
    '/api/v1/audit/verify',
    {
      config: { access: AUDIENCES.auditors },
      schema: {
        tags: ['audit'],
        summary:
          'Run a verification round now: rows appended since the last round, a random sample of older rows, rows without a leaf index, new signed heads',
        response: { 200: VerificationRoundView, ...errorResponses(401, 403) },
      },
    },
    async () => {
      const findings = await verifyRound();
      return {
        ok: findings.length === 0,
        verified_size: watch.verifiedSize,
        tree_size: await audit.size(),
        findings,
      };
    },
  );
}
