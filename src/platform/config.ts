import type { CompiledKeywordList } from '../domain/detectors/keywords.js';
import { keywordListsFrom } from './keyword-lists-config.js';
import { DEFAULT_ADMIN_EMAIL, passwordProblems } from '../domain/auth/password-policy.js';
import { isRole, ROLES, type Role } from '../domain/auth/roles.js';
import { ConfigError } from './errors.js';

export const SERVICE_NAMES = ['auth', 'ac', 'integrity', 'fv', 'gs', 'pgc'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = {
  auth: 8000,
  ac: 8001,
  integrity: 8002,
  fv: 8003,
  gs: 8004,
  pgc: 8005,
};

/** Clear of the services (8000-8005), the gateway (8080), Prometheus (9090), Alertmanager (9093) and Grafana (3001). */
export const DEFAULT_CONSOLE_PORT = 8010;

export type Environment = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Where the data lives: embedded PGlite (a directory, or memory for tests) or a PostgreSQL server. */
export type DatabaseTarget = { kind: 'pglite'; dataDir: string | null } | { kind: 'postgres'; url: string };

export interface Config {
  environment: Environment;
  host: string;
  instanceId: string;
  dataDir: string;
  database: DatabaseTarget;
  pool: { size: number; maxOverflow: number; timeoutMs: number };
  /** Statements slower than this are logged (warn) and counted; 0 logs none. */
  slowQueryMs: number;
  redisUrl: string | null;
  cacheTtlSeconds: number;
  /** Secrets are null until resolveSecrets() fills them from env or the data dir. */
  secrets: { jwt: string | null; csrf: string | null; signingKeyPassphrase: string | null };
  auth: {
    accessTokenMinutes: number;
    refreshTokenDays: number;
    issuer: string;
    audience: string;
    bcryptCost: number;
    lockoutThreshold: number;
    lockoutMinutes: number;
    loginRateLimitPerMinute: number;
  };
  http: {
    bodyLimitBytes: number;
    rateLimitPerMinute: number;
    corsOrigins: string[];
    trustProxy: boolean | string[];
    /** Check every response against its route's declared schema and fail it when it does not match (tests). */
    checkResponses: boolean;
  };
  maintenanceFile: string;
  /** The web console `acgs up` serves on its own port (0: a free one), proxying API paths; null dir: the built one. */
  console: {
    port: number;
    dir: string | null;
    /** Where a decision's trace opens in the operator's trace UI: a URL with `{trace_id}` in it, or null. */
    traceUrlTemplate: string | null;
  };
  ports: Record<ServiceName, number>;
  serviceUrls: Record<ServiceName, string>;
  llm: {
    baseUrl: string | null;
    apiKey: string | null;
    model: string | null;
    /** Per request (LLM_TIMEOUT_MS); the SDK retries 429, 5xx and timeouts with backoff LLM_MAX_RETRIES times. */
    timeoutMs: number;
    maxRetries: number;
    temperature: number;
    seed: number | null;
  };
  /** Replies an LLM synthesis may take per principle before it gives up (ACGS_SYNTHESIS_MAX_ATTEMPTS). */
  synthesisMaxAttempts: number;
  logLevel: LogLevel;
  /** LOG_FORMAT: `auto` is readable text at a terminal in development and JSON otherwise. */
  logFormat: 'auto' | 'json' | 'text';
  /** Prometheus that scrapes this deployment, for `acgs doctor`'s targets check. */
  prometheusUrl: string | null;
  bootstrapAdmin: { email: string | null; password: string | null };
  /** Load the starter constitution into an empty system (on by default). */
  starterConstitution: boolean;
  verification: {
    /** Solver worker threads (ACGS_FV_WORKERS); each holds a Z3 of ~300 MB. */
    workers: number;
    /** Z3 resource limit per solver call (ACGS_FV_RLIMIT): machine-independent, unlike a timeout. */
    rlimit: number;
    /** Wall clock a solver call may take before its worker counts as stuck and is replaced (ACGS_FV_QUERY_TIMEOUT_MS). */
    queryTimeoutMs: number;
    /** Wall clock per question in a worker (ACGS_FV_TASK_TIMEOUT_MS), after which the worker is ended. */
    taskTimeoutMs: number;
  };
  enforcement: {
    maxContentBytes: number;
    storeContent: boolean;
    decisionCacheSize: number;
    /**
     * Who decides: `compiled` policies (closures, with `checkPercent` % of decisions decided again by cedar-wasm off
     * the request's path) or `cedar` (cedar-wasm alone). ACGS_EVALUATOR, ACGS_EVALUATOR_CHECK_PERCENT.
     */
    evaluator: 'compiled' | 'cedar';
    evaluatorCheckPercent: number;
    /** Customer keyword and pattern lists for the keywords detector (ACGS_KEYWORD_LISTS), compiled. */
    keywordLists: CompiledKeywordList[];
    /** How long a content scan may take before the request is refused with 503 DETECTOR_TIMEOUT. */
    detectorTimeoutMs: number;
    /** Fingerprints whose signatures PGC accepts; null = every platform key in the database. */
    trustedKeyFingerprints: string[] | null;
    classifier: {
      baseUrl: string;
      apiKey: string | null;
      model: string;
      timeoutMs: number;
      failClosed: boolean;
    } | null;
  };
  mcp: {
    /** An MCP session unused this long is closed (ACGS_MCP_SESSION_IDLE_SECONDS). */
    sessionIdleSeconds: number;
    /** How long a tools/call held for approval waits for a person before answering with the approval id (ACGS_MCP_APPROVAL_WAIT_SECONDS). */
    approvalWaitSeconds: number;
  };
  approvals: {
    /** Roles whose holders may approve or reject held requests (ACGS_APPROVER_ROLES). */
    approverRoles: Role[];
    /** A request nobody decided lapses after this (ACGS_APPROVAL_PENDING_SECONDS). */
    pendingSeconds: number;
    /** A grant is usable once within this time (ACGS_APPROVAL_GRANT_SECONDS). */
    grantSeconds: number;
  };
}

type Env = Readonly<Record<string, string | undefined>>;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `expected an integer between ${min} and ${max}, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `expected an integer between ${min} and ${max}, got ${value}`);
  return value;
}

/** Who may approve held requests: a comma-separated list of roles; an agent or service role never may. */
function approverRoles(env: Env): Role[] {
  const raw = read(env, 'ACGS_APPROVER_ROLES') ?? 'admin,policy_manager';
  const roles = raw
    .split(',')
    .map((role) => role.trim())
    .filter((role) => role !== '');
  for (const role of roles) {
    if (!isRole(role))
      throw new ConfigError('ACGS_APPROVER_ROLES', `unknown role "${role}" (roles: ${ROLES.join(', ')})`);
    if (role === 'agent' || role === 'service')
      throw new ConfigError('ACGS_APPROVER_ROLES', `the ${role} role cannot approve: approvals are for people`);
  }
  if (roles.length === 0) throw new ConfigError('ACGS_APPROVER_ROLES', 'name at least one role');
  return roles as Role[];
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase() as T;
  if (!allowed.includes(lower)) throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
  return lower;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a URL with scheme ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

function secret(env: Env, name: string): string | null {
  const raw = read(env, name);
  if (raw === undefined) return null;
  if (raw.length < 32) throw new ConfigError(name, 'must be at least 32 characters (e.g. openssl rand -base64 32)');
  return raw;
}

/**
 * The first admin's email and password, checked here (with everything else, before any migration runs) by the rules
 * registration applies: a password the account could not be created with stops start-up at once, naming it.
 */
function bootstrapAdmin(env: Env): Config['bootstrapAdmin'] {
  const email = read(env, 'ACGS_ADMIN_EMAIL') ?? null;
  const password = read(env, 'ACGS_ADMIN_PASSWORD') ?? null;
  if (email !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
    throw new ConfigError('ACGS_ADMIN_EMAIL', `is not an email address: ${email}`);
  if (password !== null) {
    const problems = passwordProblems(password, email ?? DEFAULT_ADMIN_EMAIL);
    if (problems.length > 0) throw new ConfigError('ACGS_ADMIN_PASSWORD', problems.join('; '));
  }
  return { email, password };
}

function llm(env: Env): Config['llm'] {
  const baseUrl = url(env, 'LLM_BASE_URL', ['http:', 'https:']) ?? null;
  const model = read(env, 'LLM_MODEL') ?? null;
  if (baseUrl !== null && model === null) throw new ConfigError('LLM_MODEL', 'required when LLM_BASE_URL is set');
  const seed = read(env, 'LLM_SEED');
  return {
    baseUrl,
    apiKey: read(env, 'LLM_API_KEY') ?? null,
    model,
    timeoutMs: integer(env, 'LLM_TIMEOUT_MS', 60_000, 100, 600_000),
    maxRetries: integer(env, 'LLM_MAX_RETRIES', 2, 0, 10),
    // Temperature in hundredths keeps the variable an integer: 0 (the default) asks for the most likely answer.
    temperature: integer(env, 'LLM_TEMPERATURE_PERCENT', 0, 0, 200) / 100,
    seed: seed === undefined ? null : integer(env, 'LLM_SEED', 0, 0, 2 ** 31 - 1),
  };
}

function corsOrigins(env: Env): string[] {
  const raw = read(env, 'BACKEND_CORS_ORIGINS');
  if (raw === undefined) return [];
  let list: unknown;
  if (raw.startsWith('[')) {
    try {
      list = JSON.parse(raw);
    } catch {
      throw new ConfigError('BACKEND_CORS_ORIGINS', 'starts with "[" but is not a JSON array');
    }
  } else {
    list = raw
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean);
  }
  if (!Array.isArray(list) || !list.every((origin): origin is string => typeof origin === 'string')) {
    throw new ConfigError('BACKEND_CORS_ORIGINS', 'expected a comma-separated list or JSON array of origins');
  }
  for (const origin of list) {
    if (origin === '*') continue;
    try {
      new URL(origin);
    } catch {
      throw new ConfigError('BACKEND_CORS_ORIGINS', `"${origin}" is not an origin such as https://console.example.com`);
    }
  }
  return list;
}

/** Which peers may set X-Forwarded-For: "true", or a comma list of addresses/CIDRs/"loopback"; unset trusts none. */
function trustProxy(env: Env): boolean | string[] {
  const raw = read(env, 'ACGS_TRUST_PROXY');
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/**
 * OpenPGP fingerprints PGC accepts bundle and tree head signatures from. Unset trusts every key in the database;
 * set, a key written into the database by someone else is not enough to get a bundle enforced.
 */
function trustedKeyFingerprints(env: Env): string[] | null {
  const raw = read(env, 'ACGS_TRUSTED_KEY_FINGERPRINTS');
  if (raw === undefined) return null;
  const fingerprints = raw
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  const bad = fingerprints.find((fingerprint) => !/^[0-9a-f]{40}$/.test(fingerprint));
  if (bad !== undefined || fingerprints.length === 0)
    throw new ConfigError(
      'ACGS_TRUSTED_KEY_FINGERPRINTS',
      `expected comma-separated 40-hex-digit OpenPGP fingerprints${bad === undefined ? '' : `, got "${bad}"`}`,
    );
  return fingerprints;
}

/**
 * ACGS_TRACE_URL_TEMPLATE: the operator's trace UI, `{trace_id}` where the id goes (Jaeger's
 * `https://jaeger.example/trace/{trace_id}`, say). It is served to the browser inside the gateway's nginx config, so
 * quotes, backslashes, `$` and whitespace are refused rather than escaped.
 */
function traceUrlTemplate(env: Env): string | null {
  const name = 'ACGS_TRACE_URL_TEMPLATE';
  const raw = read(env, name);
  if (raw === undefined) return null;
  if (!raw.includes('{trace_id}')) throw new ConfigError(name, 'must contain {trace_id} where the trace id goes');
  if (/[\s'"\\$]/.test(raw)) throw new ConfigError(name, 'must not contain whitespace, quotes, backslashes or $');
  let parsed: URL;
  try {
    parsed = new URL(raw.replaceAll('{trace_id}', '0'.repeat(32)));
  } catch {
    throw new ConfigError(name, 'not a valid URL once {trace_id} is filled in');
  }
  if (!['http:', 'https:'].includes(parsed.protocol))
    throw new ConfigError(name, `expected a URL with scheme http: or https:, got "${parsed.protocol}"`);
  return raw;
}

/** The optional external content classifier (an OpenAI-compatible moderation endpoint). */
function classifier(env: Env): Config['enforcement']['classifier'] {
  const baseUrl = url(env, 'ACGS_CLASSIFIER_URL', ['http:', 'https:']);
  if (baseUrl === undefined) return null;
  return {
    baseUrl,
    apiKey: read(env, 'ACGS_CLASSIFIER_API_KEY') ?? null,
    model: read(env, 'ACGS_CLASSIFIER_MODEL') ?? 'omni-moderation-latest',
    timeoutMs: integer(env, 'ACGS_CLASSIFIER_TIMEOUT_MS', 2000, 10, 60_000),
    failClosed: oneOf(env, 'ACGS_CLASSIFIER_FAIL_MODE', ['closed', 'open'] as const, 'closed') === 'closed',
  };
}

function databaseTarget(env: Env, dataDir: string): DatabaseTarget {
  const raw = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:', 'pglite:']);
  if (raw === undefined) return { kind: 'pglite', dataDir: `${dataDir}/pglite` };
  if (raw.startsWith('pglite:')) {
    const rest = raw.slice('pglite://'.length);
    if (rest === 'memory') return { kind: 'pglite', dataDir: null };
    if (!rest.startsWith('/')) throw new ConfigError('DATABASE_URL', 'use pglite://memory or pglite:///absolute/path');
    return { kind: 'pglite', dataDir: rest };
  }
  return { kind: 'postgres', url: raw };
}

/** Parses and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const environment = oneOf(env, 'ENVIRONMENT', ['development', 'test', 'production'] as const, 'development');
  const dataDir = read(env, 'ACGS_DATA_DIR') ?? './.acgs/data';
  const database = databaseTarget(env, dataDir);
  const ports = {} as Record<ServiceName, number>;
  const serviceUrls = {} as Record<ServiceName, string>;
  for (const service of SERVICE_NAMES) {
    const upper = service.toUpperCase();
    ports[service] = integer(env, `${upper}_PORT`, DEFAULT_PORTS[service], 0, 65535);
    serviceUrls[service] =
      url(env, `${upper}_SERVICE_URL`, ['http:', 'https:']) ?? `http://127.0.0.1:${ports[service]}`;
  }
  const secrets = {
    jwt: secret(env, 'AUTH_SERVICE_SECRET_KEY'),
    csrf: secret(env, 'AUTH_SERVICE_CSRF_SECRET_KEY'),
    signingKeyPassphrase: secret(env, 'ACGS_SIGNING_KEY_PASSPHRASE'),
  };
  if (environment === 'production') {
    if (secrets.jwt === null) throw new ConfigError('AUTH_SERVICE_SECRET_KEY', 'required when ENVIRONMENT=production');
    if (secrets.csrf === null)
      throw new ConfigError('AUTH_SERVICE_CSRF_SECRET_KEY', 'required when ENVIRONMENT=production');
    if (secrets.signingKeyPassphrase === null)
      throw new ConfigError('ACGS_SIGNING_KEY_PASSPHRASE', 'required when ENVIRONMENT=production');
    if (database.kind !== 'postgres')
      throw new ConfigError('DATABASE_URL', 'a PostgreSQL URL is required when ENVIRONMENT=production');
  }
  const bcryptCost = integer(env, 'ACGS_BCRYPT_COST', 12, 4, 15);
  if (environment === 'production' && bcryptCost < 12)
    throw new ConfigError('ACGS_BCRYPT_COST', 'must be at least 12 in production');

  return {
    environment,
    host: read(env, 'ACGS_HOST') ?? '127.0.0.1',
    instanceId: read(env, 'ACGS_INSTANCE_ID') ?? `${process.pid}`,
    dataDir,
    database,
    pool: {
      size: integer(env, 'DATABASE_POOL_SIZE', 20, 1, 1000),
      maxOverflow: integer(env, 'DATABASE_MAX_OVERFLOW', 30, 0, 1000),
      timeoutMs: integer(env, 'DATABASE_POOL_TIMEOUT', 30, 1, 3600) * 1000,
    },
    slowQueryMs: integer(env, 'ACGS_SLOW_QUERY_MS', 200, 0, 3_600_000),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']) ?? null,
    cacheTtlSeconds: integer(env, 'CACHE_TTL', 300, 1, 86400 * 30),
    secrets,
    auth: {
      accessTokenMinutes: integer(env, 'AUTH_SERVICE_ACCESS_TOKEN_EXPIRE_MINUTES', 15, 1, 24 * 60),
      refreshTokenDays: integer(env, 'AUTH_SERVICE_REFRESH_TOKEN_EXPIRE_DAYS', 7, 1, 365),
      issuer: 'acgs-pgp-auth',
      audience: 'acgs-pgp',
      bcryptCost,
      lockoutThreshold: integer(env, 'ACGS_LOCKOUT_THRESHOLD', 5, 1, 100),
      lockoutMinutes: integer(env, 'ACGS_LOCKOUT_MINUTES', 15, 1, 24 * 60),
      loginRateLimitPerMinute: integer(env, 'ACGS_AUTH_RATE_LIMIT_PER_MINUTE', 10, 0, 1_000_000),
    },
    http: {
      bodyLimitBytes: integer(env, 'ACGS_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
      rateLimitPerMinute: integer(env, 'ACGS_RATE_LIMIT_PER_MINUTE', 100, 0, 10_000_000),
      corsOrigins: corsOrigins(env),
      trustProxy: trustProxy(env),
      checkResponses: oneOf(env, 'ACGS_CHECK_RESPONSES', ['true', 'false'] as const, 'false') === 'true',
    },
    maintenanceFile: read(env, 'ACGS_MAINTENANCE_FILE') ?? '/tmp/maintenance_mode',
    console: {
      port: integer(env, 'ACGS_CONSOLE_PORT', DEFAULT_CONSOLE_PORT, 0, 65535),
      dir: read(env, 'ACGS_CONSOLE_DIR') ?? null,
      traceUrlTemplate: traceUrlTemplate(env),
    },
    ports,
    serviceUrls,
    llm: llm(env),
    synthesisMaxAttempts: integer(env, 'ACGS_SYNTHESIS_MAX_ATTEMPTS', 3, 1, 20),
    prometheusUrl: url(env, 'PROMETHEUS_URL', ['http:', 'https:']) ?? null,
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    logFormat: oneOf(env, 'LOG_FORMAT', ['auto', 'json', 'text'] as const, 'auto'),
    bootstrapAdmin: bootstrapAdmin(env),
    starterConstitution: oneOf(env, 'ACGS_STARTER_CONSTITUTION', ['true', 'false'] as const, 'true') === 'true',
    verification: {
      workers: integer(env, 'ACGS_FV_WORKERS', 1, 1, 16),
      // The 2,000-policy equivalence of the benchmark needs under 1,000,000; twenty times that is room, not a wall.
      rlimit: integer(env, 'ACGS_FV_RLIMIT', 20_000_000, 1, 2 ** 31 - 1),
      queryTimeoutMs: integer(env, 'ACGS_FV_QUERY_TIMEOUT_MS', 30_000, 100, 3_600_000),
      taskTimeoutMs: integer(env, 'ACGS_FV_TASK_TIMEOUT_MS', 600_000, 1000, 86_400_000),
    },
    enforcement: {
      maxContentBytes: integer(env, 'ACGS_MAX_CONTENT_BYTES', 256 * 1024, 1, 16 * 1024 * 1024),
      storeContent: oneOf(env, 'ACGS_STORE_CONTENT', ['true', 'false'] as const, 'false') === 'true',
      decisionCacheSize: integer(env, 'ACGS_DECISION_CACHE_SIZE', 10_000, 0, 10_000_000),
      evaluator: oneOf(env, 'ACGS_EVALUATOR', ['compiled', 'cedar'] as const, 'compiled'),
      evaluatorCheckPercent: integer(env, 'ACGS_EVALUATOR_CHECK_PERCENT', 1, 0, 100),
      keywordLists: keywordListsFrom(read(env, 'ACGS_KEYWORD_LISTS') ?? null),
      detectorTimeoutMs: integer(env, 'ACGS_DETECTOR_TIMEOUT_MS', 5000, 100, 60_000),
      trustedKeyFingerprints: trustedKeyFingerprints(env),
      classifier: classifier(env),
    },
    mcp: {
      sessionIdleSeconds: integer(env, 'ACGS_MCP_SESSION_IDLE_SECONDS', 1800, 60, 86_400),
      approvalWaitSeconds: integer(env, 'ACGS_MCP_APPROVAL_WAIT_SECONDS', 0, 0, 3600),
    },
    approvals: {
      approverRoles: approverRoles(env),
      pendingSeconds: integer(env, 'ACGS_APPROVAL_PENDING_SECONDS', 86_400, 60, 30 * 86_400),
      grantSeconds: integer(env, 'ACGS_APPROVAL_GRANT_SECONDS', 900, 10, 86_400),
    },
  };
}

/** The variables the config reads, so deployment manifests can be checked against them. */
export const CONFIG_VARIABLES: readonly string[] = [
  'ENVIRONMENT',
  'ACGS_HOST',
  'ACGS_INSTANCE_ID',
  'ACGS_DATA_DIR',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'DATABASE_MAX_OVERFLOW',
  'DATABASE_POOL_TIMEOUT',
  'ACGS_SLOW_QUERY_MS',
  'REDIS_URL',
  'CACHE_TTL',
  'ACGS_MCP_SESSION_IDLE_SECONDS',
  'ACGS_MCP_APPROVAL_WAIT_SECONDS',
  'ACGS_APPROVER_ROLES',
  'ACGS_APPROVAL_PENDING_SECONDS',
  'ACGS_APPROVAL_GRANT_SECONDS',
  'AUTH_SERVICE_SECRET_KEY',
  'AUTH_SERVICE_CSRF_SECRET_KEY',
  'AUTH_SERVICE_ACCESS_TOKEN_EXPIRE_MINUTES',
  'AUTH_SERVICE_REFRESH_TOKEN_EXPIRE_DAYS',
  'ACGS_BCRYPT_COST',
  'ACGS_LOCKOUT_THRESHOLD',
  'ACGS_LOCKOUT_MINUTES',
  'ACGS_AUTH_RATE_LIMIT_PER_MINUTE',
  'ACGS_BODY_LIMIT_BYTES',
  'ACGS_RATE_LIMIT_PER_MINUTE',
  'ACGS_TRUST_PROXY',
  'BACKEND_CORS_ORIGINS',
  'ACGS_MAINTENANCE_FILE',
  'ACGS_CONSOLE_PORT',
  'ACGS_CONSOLE_DIR',
  'ACGS_TRACE_URL_TEMPLATE',
  ...SERVICE_NAMES.flatMap((s) => [`${s.toUpperCase()}_PORT`, `${s.toUpperCase()}_SERVICE_URL`]),
  'LLM_BASE_URL',
  'LLM_API_KEY',
  'LLM_MODEL',
  'LLM_TIMEOUT_MS',
  'LLM_MAX_RETRIES',
  'LLM_TEMPERATURE_PERCENT',
  'LLM_SEED',
  'ACGS_SYNTHESIS_MAX_ATTEMPTS',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'ACGS_ADMIN_EMAIL',
  'ACGS_ADMIN_PASSWORD',
  'ACGS_STARTER_CONSTITUTION',
  'ACGS_SIGNING_KEY_PASSPHRASE',
  'ACGS_MAX_CONTENT_BYTES',
  'ACGS_STORE_CONTENT',
  'ACGS_CHECK_RESPONSES',
  'ACGS_DECISION_CACHE_SIZE',
  'ACGS_EVALUATOR',
  'ACGS_EVALUATOR_CHECK_PERCENT',
  'ACGS_KEYWORD_LISTS',
  'ACGS_DETECTOR_TIMEOUT_MS',
  'ACGS_CLASSIFIER_URL',
  'ACGS_CLASSIFIER_API_KEY',
  'ACGS_CLASSIFIER_MODEL',
  'ACGS_CLASSIFIER_TIMEOUT_MS',
  'ACGS_CLASSIFIER_FAIL_MODE',
  'PROMETHEUS_URL',
  'ACGS_TRUSTED_KEY_FINGERPRINTS',
  'ACGS_FV_WORKERS',
  'ACGS_FV_RLIMIT',
  'ACGS_FV_QUERY_TIMEOUT_MS',
  'ACGS_FV_TASK_TIMEOUT_MS',
];
