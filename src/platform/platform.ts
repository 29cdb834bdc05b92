import { randomBytes } from 'node:crypto';
import { CsrfTokens } from '../domain/auth/csrf.js';
import { PasswordHasher } from '../domain/auth/password-hasher.js';
import { TokenService } from '../domain/auth/tokens.js';
import { AuditLog } from './audit/log.js';
import { ApiKeyDirectory } from './auth/api-key-directory.js';
import { Authenticator } from './auth/authenticator.js';
import { RevocationList } from './auth/revocations.js';
import { UserStates } from './auth/user-states.js';
import { openCache, type Cache } from './cache.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import { timeQueries, type QueryObserver } from './db/timed-database.js';
import { ProcessMetrics } from './process-metrics.js';
import { createLogger, type Logger } from './logger.js';
import { resolveSecrets } from './secrets.js';
import { MaintenanceMode } from './http/maintenance.js';

/** Everything the services of one process share: one pool, one cache, one set of keys. */
export interface Platform {
  config: Config;
  logger: Logger;
  db: Database;
  cache: Cache;
  tokens: TokenService;
  csrf: CsrfTokens;
  /** Unlocks the OpenPGP signing key (from ACGS_SIGNING_KEY_PASSPHRASE or the data dir). */
  signingKeyPassphrase: string;
  hasher: PasswordHasher;
  revocations: RevocationList;
  apiKeys: ApiKeyDirectory;
  userStates: UserStates;
  authenticator: Authenticator;
  audit: AuditLog;
  /** Whether maintenance mode is on, watched for the whole process. */
  maintenance: MaintenanceMode;
  /** Metrics of what the process's services share, exported by one of them. */
  processMetrics: ProcessMetrics;
  startedAt: number;
  /**
   * A secret of this process: the console listener it runs relays each browser's address with it, and the services
   * believe that address only with it (platform/http/client-address.ts).
   */
  consoleToken: string;
  close(): Promise<void>;
}

/** Times every statement; one slower than `slowMs` is also counted and logged with its SQL (never its parameters). */
function queryObserver(metrics: ProcessMetrics, logger: Logger, slowMs: number): QueryObserver {
  return {
    observe(operation, seconds, sql) {
      metrics.dbQueryDuration.observe({ operation }, seconds);
      if (slowMs > 0 && seconds * 1000 >= slowMs) {
        metrics.slowQueries.inc({ operation });
        logger.warn(
          { operation, duration_ms: Math.round(seconds * 1000), sql: sql.replace(/\s+/g, ' ').slice(0, 500) },
          'slow query',
        );
      }
    },
  };
}

export interface PlatformOverrides {
  logger?: Logger;
  db?: Database;
  cache?: Cache;
}

/** LOG_FORMAT, with `auto` resolved: readable lines for a person at a terminal in development, else JSON. */
function logFormat(config: Config): 'json' | 'text' {
  if (config.logFormat !== 'auto') return config.logFormat;
  return config.environment === 'development' && process.stdout.isTTY === true ? 'text' : 'json';
}

export async function createPlatform(config: Config, overrides: PlatformOverrides = {}): Promise<Platform> {
  const logger = overrides.logger ?? createLogger(config.logLevel, undefined, logFormat(config));
  const secrets = await resolveSecrets(config);
  const processMetrics = new ProcessMetrics();
  const db = timeQueries(
    overrides.db ?? (await openDatabase(config)),
    queryObserver(processMetrics, logger, config.slowQueryMs),
  );
  const cache = overrides.cache ?? (await openCache(config.redisUrl));
  const applied = await migrate(db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied database migrations');
  const audit = new AuditLog(db, (seconds) => processMetrics.auditAppendDuration.observe(seconds));
  if (applied.includes('0005_audit_merkle')) {
    const adopted = await audit.adoptRowsFromBeforeTheTree();
    if (adopted > 0) logger.info({ adopted }, 'audit rows written before the Merkle log were added to the tree');
  }

  const tokens = new TokenService({
    secret: secrets.jwt,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    accessTokenSeconds: config.auth.accessTokenMinutes * 60,
    refreshTokenSeconds: config.auth.refreshTokenDays * 86400,
  });
  const revocations = new RevocationList(cache, tokens.accessTokenSeconds + 60);
  if (cache.backend === 'memory') await revocations.warm(db);
  const apiKeys = new ApiKeyDirectory(db, cache, config.cacheTtlSeconds);
  const userStates = new UserStates(db, cache);
  const maintenance = new MaintenanceMode(config.maintenanceFile);
  return {
    config,
    logger,
    db,
    cache,
    tokens,
    csrf: new CsrfTokens(secrets.csrf),
    signingKeyPassphrase: secrets.signingKeyPassphrase,
    hasher: new PasswordHasher(config.auth.bcryptCost),
    revocations,
    apiKeys,
    userStates,
    authenticator: new Authenticator(tokens, apiKeys, revocations, userStates),
    audit,
    maintenance,
    processMetrics,
    startedAt: Date.now(),
    consoleToken: randomBytes(32).toString('base64url'),
    async close() {
      maintenance.close();
      await Promise.allSettled([db.close(), cache.close()]);
    },
  };
}
