import { existsSync, statSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { SERVICE_NAMES, type Config, type ServiceName } from '../platform/config.js';
import type { Queryable } from '../platform/db/database.js';
import { readMigrations } from '../platform/db/migrate.js';
import { openPglite } from '../platform/db/pglite.js';
import { AuditWatch } from '../platform/audit/watch.js';
import { auditDamage, describeDamage } from '../platform/audit/log.js';
import { AuditReader } from '../platform/audit/reader.js';
import { signedByPlatformKey } from '../services/integrity/signing-keys.js';
import { DRIFT_FIX, describeDrift, readEnforcementAgreement } from '../services/integrity/enforcement-agreement.js';
import { constitutionReader } from '../services/ac/constitution-reader.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  check: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it; null when nothing needs doing. */
  fix: string | null;
}

interface HealthBody {
  status: string;
  checks: Record<string, { status: string; backend: string; error?: string }>;
}

interface ServiceProbe {
  service: ServiceName;
  url: string;
  health: HealthBody | null;
  error: string | null;
  /** Server clock minus ours when the answer arrived (the Date header has whole seconds, so up to -1 s is rounding). */
  skewMs: number | null;
}

const TIMEOUT_MS = 3000;
const AUDIT_SAMPLE = 256;
/** Values nobody should run production with: the examples of docs and guides. */
const WEAK_SECRETS = new Set(['secret', 'changeme', 'change-me', 'password', 'admin123', 'your-secret-key', 'test']);

const ok = (check: string, detail: string): DoctorCheck => ({ check, status: 'ok', detail, fix: null });

async function probeService(service: ServiceName, url: string): Promise<ServiceProbe> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const date = response.headers.get('date');
    const skewMs = date === null ? null : Date.parse(date) - Date.now();
    return { service, url, health: (await response.json()) as HealthBody, error: null, skewMs };
  } catch (error) {
    return { service, url, health: null, error: (error as Error).message, skewMs: null };
  }
}

function serviceCheck(probe: ServiceProbe, config: Config): DoctorCheck {
  const check = `service ${probe.service}`;
  if (probe.health === null) {
    const port = config.ports[probe.service];
    return {
      check,
      status: 'fail',
      detail: `${probe.url}/health: ${probe.error}`,
      fix: `start it (\`acgs up\`, or \`acgs serve ${probe.service}\`); check nothing else holds port ${port} (\`ss -ltnp | grep :${port}\`) and read its log`,
    };
  }
  const down = Object.entries(probe.health.checks).filter(([, result]) => result.status === 'down');
  const detail =
    down.length === 0
      ? probe.health.status
      : `${probe.health.status}: ${down.map(([name, result]) => `${name} ${result.error ?? 'down'}`).join('; ')}`;
  if (probe.health.status === 'healthy') return ok(check, detail);
  if (probe.health.status === 'maintenance')
    return { check, status: 'warn', detail, fix: `maintenance mode is on: remove ${config.maintenanceFile} to end it` };
  return {
    check,
    status: probe.health.status === 'degraded' ? 'warn' : 'fail',
    detail,
    fix: 'see the failing dependency below and docs/operations.md (Procedures)',
  };
}

/** The database, reached directly: PostgreSQL with a short connect timeout, or the PGlite directory when no service holds it. */
async function openForDiagnosis(
  config: Config,
  stackRunning: boolean,
): Promise<
  | { q: Queryable; close: () => Promise<void>; skewMs: () => Promise<number | null> }
  | { error: string; backend: string }
  | null
> {
  const target = config.database;
  if (target.kind === 'postgres') {
    const client = new pg.Client({ connectionString: target.url, connectionTimeoutMillis: TIMEOUT_MS });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      return { error: (error as Error).message || String(error), backend: 'postgres' };
    }
    const q: Queryable = { query: async (sql, params) => (await client.query(sql, params as unknown[])).rows };
    const skewMs = async () => {
      const before = Date.now();
      const server = (await client.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now.getTime();
      return server - (before + Date.now()) / 2;
    };
    return { q, close: () => client.end(), skewMs };
  }
  // PGlite allows one process: while the stack runs, only it may open the directory.
  if (stackRunning || target.dataDir === null || !existsSync(target.dataDir)) return null;
  const db = await openPglite(target.dataDir);
  // Embedded: the database's clock is this process's.
  return { q: db, close: () => db.close(), skewMs: async () => null };
}

function databaseFix(config: Config): string {
  if (config.database.kind !== 'postgres')
    return `check ${config.database.dataDir ?? 'the data dir'} exists and is writable, and that only one process opens it`;
  const url = new URL(config.database.url);
  return `start PostgreSQL (\`pg_ctlcluster <version> main start\` or \`systemctl start postgresql\`), check DATABASE_URL (host ${url.hostname}, port ${url.port || '5432'}, database ${url.pathname.slice(1)}), then \`pg_isready -h ${url.hostname} -p ${url.port || '5432'}\``;
}

async function databaseChecks(
  config: Config,
  db: { q: Queryable; close: () => Promise<void> } | { error: string; backend: string } | null,
  probes: ServiceProbe[],
): Promise<DoctorCheck[]> {
  if (db === null) {
    const fromStack = probes.find((probe) => probe.health?.checks['database'] !== undefined)?.health?.checks[
      'database'
    ];
    if (fromStack === undefined)
      return [
        {
          check: 'database',
          status: 'skip',
          detail: 'in-memory PGlite or no data dir yet, and no service answering',
          fix: null,
        },
      ];
    return [
      fromStack.status === 'up'
        ? ok('database', `PGlite (held by the running stack): up`)
        : {
            check: 'database',
            status: 'fail',
            detail: `PGlite: ${fromStack.error ?? 'down'}`,
            fix: databaseFix(config),
          },
    ];
  }
  if ('error' in db)
    return [{ check: 'database', status: 'fail', detail: `${db.backend}: ${db.error}`, fix: databaseFix(config) }];
  const checks: DoctorCheck[] = [];
  if (config.database.kind === 'postgres') {
    const row = (
      await db.q.query<{ used: number; max: number }>(
        `SELECT (SELECT count(*) FROM pg_stat_activity)::int AS used, current_setting('max_connections')::int AS max`,
      )
    )[0]!;
    const share = row.used / row.max;
    checks.push({
      check: 'database',
      status: share > 0.8 ? 'warn' : 'ok',
      detail: `PostgreSQL reachable; ${row.used} of max_connections ${row.max} in use (${Math.round(share * 100)} %)`,
      fix:
        share > 0.8
          ? 'raise max_connections or lower DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW across instances'
          : null,
    });
  } else {
    checks.push(ok('database', `PGlite at ${config.database.dataDir} opens`));
  }
  checks.push(await migrationCheck(db.q));
  return checks;
}

async function migrationCheck(q: Queryable): Promise<DoctorCheck> {
  const known = (await readMigrations()).map((migration) => migration.version);
  let applied: string[];
  try {
    applied = (await q.query<{ version: string }>('SELECT version FROM schema_migrations')).map((row) => row.version);
  } catch {
    applied = [];
  }
  const pending = known.filter((version) => !applied.includes(version));
  if (pending.length === 0) return ok('migrations', `all ${known.length} applied`);
  return {
    check: 'migrations',
    status: 'fail',
    detail: `pending: ${pending.join(', ')}`,
    fix: '`acgs migrate`, or restart the services (they migrate at start)',
  };
}

async function metricsOf(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(TIMEOUT_MS) })).text();
}

/** The values of every series of one metric in a Prometheus text page. */
function samples(text: string, name: string): number[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
}

/** Pool figures from the services' own gauges (every service of a process reports the shared pool). */
async function poolCheck(probes: ServiceProbe[]): Promise<DoctorCheck> {
  const answering = probes.filter((probe) => probe.health !== null);
  if (answering.length === 0)
    return { check: 'database pool', status: 'skip', detail: 'no service answering', fix: null };
  let worst: { open: number; max: number; url: string } | null = null;
  for (const probe of answering) {
    const text = await metricsOf(probe.url);
    const figures = {
      open: samples(text, 'acgs_database_connections')[0] ?? Number.NaN,
      max: samples(text, 'acgs_database_max_connections')[0] ?? Number.NaN,
      url: probe.url,
    };
    if (worst === null || figures.open / figures.max > worst.open / worst.max) worst = figures;
  }
  if (worst!.max <= 1)
    return ok('database pool', 'one connection (PGlite): requests queue for it, there is no pool to exhaust');
  const share = worst!.open / worst!.max;
  const detail = `${worst!.open} of ${worst!.max} connections open (${Math.round(share * 100)} %, ${worst!.url})`;
  return share > 0.8
    ? {
        check: 'database pool',
        status: 'warn',
        detail,
        fix: 'look for slow queries (acgs_db_slow_queries_total, "slow query" log lines) or raise DATABASE_POOL_SIZE / DATABASE_MAX_OVERFLOW',
      }
    : ok('database pool', detail);
}

async function redisCheck(config: Config): Promise<DoctorCheck> {
  if (config.redisUrl === null) {
    return config.environment === 'production'
      ? {
          check: 'redis',
          status: 'warn',
          detail: 'REDIS_URL unset: revocations, rate limits and caches are per process',
          fix: 'set REDIS_URL when running more than one instance',
        }
      : { check: 'redis', status: 'skip', detail: 'REDIS_URL unset: in-memory cache', fix: null };
  }
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return ok('redis', `PING ${await redis.ping()}`);
  } catch (error) {
    return {
      check: 'redis',
      status: 'fail',
      detail: (error as Error).message,
      fix: `start Redis and check REDIS_URL (\`redis-cli -u ${config.redisUrl} ping\`)`,
    };
  } finally {
    redis.disconnect();
  }
}

function secretsCheck(config: Config): DoctorCheck {
  const names = {
    jwt: 'AUTH_SERVICE_SECRET_KEY',
    csrf: 'AUTH_SERVICE_CSRF_SECRET_KEY',
    signingKeyPassphrase: 'ACGS_SIGNING_KEY_PASSPHRASE',
  } as const;
  const entries = Object.entries(names) as [keyof typeof names, string][];
  if (config.environment !== 'production') {
    const fromEnv = entries.filter(([key]) => config.secrets[key] !== null).map(([, name]) => name);
    return ok(
      'secrets',
      `${config.environment}: ${fromEnv.length === 3 ? 'all from the environment' : `generated ones kept in ${config.dataDir}/secrets.json${fromEnv.length > 0 ? ` (from the environment: ${fromEnv.join(', ')})` : ''}`}`,
    );
  }
  const weak = entries
    .filter(([key]) => {
      const value = config.secrets[key];
      return value === null || value.length < 32 || WEAK_SECRETS.has(value.toLowerCase());
    })
    .map(([, name]) => name);
  return weak.length === 0
    ? ok('secrets', 'production: all three set, at least 32 characters, none a known default')
    : {
        check: 'secrets',
        status: 'fail',
        detail: `weak or default: ${weak.join(', ')}`,
        fix: 'set each to 32+ random characters (`openssl rand -base64 32`); changing AUTH_SERVICE_SECRET_KEY logs everyone out',
      };
}

function maintenanceCheck(config: Config): DoctorCheck {
  if (!existsSync(config.maintenanceFile)) return ok('maintenance mode', 'off');
  return {
    check: 'maintenance mode',
    status: 'warn',
    detail: `on since ${statSync(config.maintenanceFile).mtime.toISOString()} (${config.maintenanceFile})`,
    fix: `rm ${config.maintenanceFile} to end it`,
  };
}

function bundleCheck(probes: ServiceProbe[]): DoctorCheck {
  const pgc = probes.find((probe) => probe.service === 'pgc');
  const bundle = pgc?.health?.checks['policy_bundle'];
  if (bundle === undefined)
    return { check: 'policy bundle', status: 'skip', detail: 'the enforcement service is not answering', fix: null };
  if (bundle.status === 'up')
    return ok('policy bundle', `${bundle.backend} in force: signature and audit log proof verified`);
  return {
    check: 'policy bundle',
    status: 'fail',
    detail: bundle.error ?? 'no verified bundle',
    fix: 'every decision is denied until a verified bundle loads: see docs/operations.md "Bundle refused / fail-closed"',
  };
}

/** What to do next in each state between a constitution enacted and a bundle enforcing it. */
const GOVERNANCE_FIX: Record<string, string> = {
  awaiting_change_set:
    'check the synthesis run for the version (GET /api/v1/synthesize/runs): a failed run says why; POST /api/v1/synthesize/policy with the principle_ids runs it again',
  awaiting_verification: 'wait for the verification to finish (GET /api/v1/change-sets?status=proposed)',
  change_set_rejected:
    'fix what the change set verification names (GET /api/v1/change-sets/{id}), or amend the constitution again',
  awaiting_approval: 'a policy manager other than its author approves it: POST /api/v1/change-sets/{id}/approve',
  awaiting_activation: 'activate it: POST /api/v1/change-sets/{id}/activate?wait=10',
};

/**
 * The policy store's policies in force against the bundle in force (they must never disagree), and the constitution
 * enacted against the one enforced: from the database when the doctor can open it, else from integrity's /health.
 */
async function governanceChecks(db: { q: Queryable } | null, probes: ServiceProbe[]): Promise<DoctorCheck[]> {
  let drift: { status: 'ok' | 'fail'; detail: string } | null = null;
  let governance: { state: string; reason: string } | null = null;
  if (db !== null) {
    const agreement = await readEnforcementAgreement(db.q, constitutionReader);
    drift =
      agreement.drift === null
        ? { status: 'ok', detail: 'the policies active in the store are the bundle in force, text for text' }
        : { status: 'fail', detail: describeDrift(agreement.drift) };
    governance = agreement.governance;
  } else {
    const checks = probes.find((probe) => probe.service === 'integrity')?.health?.checks;
    const store = checks?.['store_matches_bundle'];
    if (store !== undefined)
      drift =
        store.status === 'up'
          ? { status: 'ok', detail: store.backend }
          : { status: 'fail', detail: (store.error ?? '').replace(/ — .*$/, '') };
    const said = checks?.['governance']?.backend;
    const match = said === undefined ? null : /^([a-z_]+): (.*)$/.exec(said);
    if (match !== null) governance = { state: match[1]!, reason: match[2]! };
  }
  const skipped = (check: string): DoctorCheck => ({
    check,
    status: 'skip',
    detail: 'neither the database nor the integrity service could be asked',
    fix: null,
  });
  return [
    drift === null
      ? skipped('store vs bundle')
      : { check: 'store vs bundle', ...drift, fix: drift.status === 'ok' ? null : DRIFT_FIX },
    governance === null
      ? skipped('constitution enforced')
      : governance.state === 'enforced' || governance.state === 'no_constitution'
        ? ok('constitution enforced', governance.reason)
        : {
            check: 'constitution enforced',
            status: 'warn',
            detail: governance.reason,
            fix:
              GOVERNANCE_FIX[governance.state]?.replaceAll(
                '{id}',
                /change set (\d+)/.exec(governance.reason)?.[1] ?? '{id}',
              ) ?? null,
          },
  ];
}

async function auditCheck(db: { q: Queryable } | null, probes: ServiceProbe[]): Promise<DoctorCheck> {
  const fix =
    'run `acgs audit verify` to name the first bad index, and treat it as a security incident (docs/audit.md)';
  if (db !== null) {
    const extent = await new AuditReader(db.q).extent();
    const damage = auditDamage(extent.size, extent.storedLeaves, extent.signedSize);
    if (damage !== null)
      return {
        check: 'audit log',
        status: 'fail',
        detail: describeDamage(damage),
        fix: 'nothing is recorded until this is repaired: restore the latest backup (`acgs restore FILE`) or, to go on with the gap on the record, `acgs audit reanchor --reason "…"` (docs/audit.md#recovery)',
      };
    const { size, checked, findings } = await new AuditWatch(db.q, signedByPlatformKey).spotCheck(AUDIT_SAMPLE);
    if (findings.length === 0)
      return ok('audit log', `${checked} of ${size} entries sampled, latest signed head checked: all match`);
    return {
      check: 'audit log',
      status: 'fail',
      detail: findings
        .map((finding) => `${finding.leaf_index === null ? '' : `leaf ${finding.leaf_index}: `}${finding.problem}`)
        .join('; '),
      fix,
    };
  }
  const integrity = probes.find((probe) => probe.service === 'integrity' && probe.health !== null);
  if (integrity === undefined)
    return {
      check: 'audit log',
      status: 'skip',
      detail: 'no database access and the integrity service is not answering',
      fix: null,
    };
  const failures = samples(await metricsOf(integrity.url), 'acgs_audit_verify_failures_total').reduce(
    (sum, value) => sum + value,
    0,
  );
  return failures === 0
    ? ok('audit log', 'the running verification has found no problem')
    : { check: 'audit log', status: 'fail', detail: `the running verification reported ${failures} problem(s)`, fix };
}

async function prometheusCheck(config: Config): Promise<DoctorCheck> {
  if (config.prometheusUrl === null)
    return { check: 'prometheus targets', status: 'skip', detail: 'PROMETHEUS_URL not set', fix: null };
  try {
    const response = await fetch(`${config.prometheusUrl.replace(/\/$/, '')}/api/v1/targets`, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = (await response.json()) as {
      data: {
        activeTargets: { health: string; scrapeUrl: string; lastError: string; labels: Record<string, string> }[];
      };
    };
    const ours = body.data.activeTargets.filter((target) => target.labels['job'] === 'acgs-services');
    const down = ours.filter((target) => target.health !== 'up');
    if (ours.length === 0)
      return {
        check: 'prometheus targets',
        status: 'fail',
        detail: 'no targets in job acgs-services',
        fix: 'load deploy/prometheus/prometheus.yml',
      };
    if (down.length === 0) return ok('prometheus targets', `${ours.length} of ${ours.length} acgs-services targets up`);
    return {
      check: 'prometheus targets',
      status: 'fail',
      detail: down.map((target) => `${target.scrapeUrl}: ${target.lastError || target.health}`).join('; '),
      fix: 'start the services it cannot scrape, or fix their addresses in prometheus.yml',
    };
  } catch (error) {
    return {
      check: 'prometheus targets',
      status: 'fail',
      detail: `${config.prometheusUrl}: ${(error as Error).message}`,
      fix: 'check Prometheus runs (`curl $PROMETHEUS_URL/-/healthy`)',
    };
  }
}

function clockCheck(probes: ServiceProbe[], databaseSkewMs: number | null): DoctorCheck {
  const skews = [
    ...probes.filter((probe) => probe.skewMs !== null).map((probe) => ({ what: probe.service, skew: probe.skewMs! })),
    ...(databaseSkewMs === null ? [] : [{ what: 'database', skew: databaseSkewMs }]),
  ];
  if (skews.length === 0) return { check: 'clock skew', status: 'skip', detail: 'nothing to compare with', fix: null };
  const worst = skews.reduce((a, b) => (Math.abs(b.skew) > Math.abs(a.skew) ? b : a));
  const seconds = Math.abs(worst.skew) / 1000;
  const detail = `largest ${seconds.toFixed(1)} s (${worst.what})`;
  if (seconds <= 2) return ok('clock skew', detail);
  return {
    check: 'clock skew',
    status: seconds > 30 ? 'fail' : 'warn',
    detail,
    fix: 'synchronise clocks with NTP (`timedatectl`, `chronyc tracking`): token expiry and signed tree head times depend on them',
  };
}

/** A check that throws is itself a finding, never the end of the diagnosis. */
async function safely(
  check: string,
  fix: string,
  run: () => Promise<DoctorCheck | DoctorCheck[]>,
): Promise<DoctorCheck[]> {
  try {
    return [await run()].flat();
  } catch (error) {
    return [{ check, status: 'fail', detail: (error as Error).message, fix }];
  }
}

/** The operations guide's diagnostics, as checks with a status and a fix each. */
export async function runDoctor(config: Config): Promise<DoctorCheck[]> {
  const probes = await Promise.all(SERVICE_NAMES.map((service) => probeService(service, config.serviceUrls[service])));
  const stackRunning = probes.some((probe) => probe.health !== null);
  const db = await openForDiagnosis(config, stackRunning);
  const reachable = db !== null && !('error' in db) ? db : null;
  try {
    const databaseSkewMs = reachable === null ? null : await reachable.skewMs().catch(() => null);
    return [
      ...probes.map((probe) => serviceCheck(probe, config)),
      ...(await safely('database', databaseFix(config), () => databaseChecks(config, db, probes))),
      ...(await safely('database pool', 'check the services answer /metrics', () => poolCheck(probes))),
      ...(await safely('redis', 'check REDIS_URL', () => redisCheck(config))),
      secretsCheck(config),
      maintenanceCheck(config),
      bundleCheck(probes),
      ...(await safely('store vs bundle', 'apply migrations (`acgs migrate`)', () =>
        governanceChecks(reachable, probes),
      )),
      ...(await safely('audit log', 'apply migrations (`acgs migrate`), then run `acgs audit verify`', () =>
        auditCheck(reachable, probes),
      )),
      ...(await safely('prometheus targets', 'check PROMETHEUS_URL', () => prometheusCheck(config))),
      clockCheck(probes, databaseSkewMs),
    ];
  } finally {
    await reachable?.close();
  }
}

/** A fixed-width table: check, status, detail, and the fix under any line that needs one. */
export function formatDoctorTable(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((check) => check.check.length));
  const lines = checks.flatMap((check) => [
    `${check.check.padEnd(width)}  ${check.status.toUpperCase().padEnd(4)}  ${check.detail}`,
    ...(check.fix === null ? [] : [`${''.padEnd(width)}        fix: ${check.fix}`]),
  ]);
  const failed = checks.filter((check) => check.status === 'fail').length;
  const warned = checks.filter((check) => check.status === 'warn').length;
  return `${lines.join('\n')}\n\n${failed === 0 ? 'no failures' : `${failed} failed`}${warned > 0 ? `, ${warned} warning(s)` : ''}\n`;
}
