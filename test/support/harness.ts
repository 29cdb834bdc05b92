import { randomBytes } from 'node:crypto';
import { after, type TestContext } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { createScratchSchema, POSTGRES_URL, scratchSchemaUrl, type ScratchSchema } from './postgres-schema.js';
import type { Role } from '../../src/domain/auth/roles.js';
import { openCache } from '../../src/platform/cache.js';
import { loadConfig, type ServiceName } from '../../src/platform/config.js';
import { migrate } from '../../src/platform/db/migrate.js';
import { openPglite } from '../../src/platform/db/pglite.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import { createServiceApp } from '../../src/platform/http/server.js';
import { createLogger } from '../../src/platform/logger.js';
import { createPlatform, type Platform } from '../../src/platform/platform.js';
import { buildAccounts } from '../../src/services/auth/accounts-factory.js';
import { SERVICES } from '../../src/services/catalog.js';
import { keepSolverPoolWarm } from '../../src/platform/solver/shared.js';

// A file's stacks start one after another in this process: they share one warm solver pool, as a service process's
// services do, closed when the file's tests are done.
after(keepSolverPoolWarm());

export type Backend = 'pglite' | 'postgres';

export { POSTGRES_URL } from './postgres-schema.js';
export const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const IN_CI = process.env['CI'] === 'true';

async function reachable(check: () => Promise<void>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}

let postgresUp: Promise<boolean> | null = null;
let redisUp: Promise<boolean> | null = null;

function postgresReachable(): Promise<boolean> {
  return (postgresUp ??= reachable(async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    await client.connect();
    await client.end();
  }));
}

export function redisReachable(): Promise<boolean> {
  return (redisUp ??= reachable(async () => {
    const cache = await openCache(REDIS_URL);
    await cache.ping();
    await cache.close();
  }));
}

/**
 * The backends every integration test runs on. In CI a missing PostgreSQL or Redis is a failure, never a skip;
 * on a developer machine without them the PostgreSQL half is skipped with a note.
 */
export async function backends(): Promise<Backend[]> {
  if (await postgresReachable()) return ['pglite', 'postgres'];
  if (IN_CI) throw new Error(`PostgreSQL is required in CI but ${POSTGRES_URL} is unreachable`);
  console.error(`note: PostgreSQL at ${POSTGRES_URL} unreachable; running PGlite only`);
  return ['pglite'];
}

export async function requireRedis(): Promise<boolean> {
  if (await redisReachable()) return true;
  if (IN_CI) throw new Error(`Redis is required in CI but ${REDIS_URL} is unreachable`);
  console.error(`note: Redis at ${REDIS_URL} unreachable; skipping Redis cases`);
  return false;
}

let pgliteTemplate: Promise<Blob> | null = null;

/** initdb + migrations once per test process; every test database then starts from that snapshot in ~0.5 s. */
function migratedPgliteSnapshot(): Promise<Blob> {
  return (pgliteTemplate ??= (async () => {
    const db = await openPglite(null);
    await migrate(db);
    const snapshot = await db.dump();
    await db.close();
    return snapshot;
  })());
}

export interface TestPlatform {
  platform: Platform;
  backend: Backend;
  env: Record<string, string>;
  logs: Record<string, unknown>[];
  cleanup(): Promise<void>;
}

export interface TestPlatformOptions {
  env?: Record<string, string>;
  redis?: boolean;
  /** Reuse an existing PostgreSQL schema (for a second instance sharing state). */
  schema?: string;
  /** Reuse a Redis key prefix (for a second instance sharing state). */
  cachePrefix?: string;
  /** Rewrites the PostgreSQL URL the platform connects with (to go through a test's TCP proxy). */
  databaseUrl?: (url: string) => string;
  /** Rewrites the Redis URL likewise. */
  redisUrl?: (url: string) => string;
}

export async function createTestPlatform(
  backend: Backend,
  options: TestPlatformOptions = {},
): Promise<TestPlatform & { schema: string | null; cachePrefix: string }> {
  const maintenanceFile = join(tmpdir(), `acgs-maintenance-${randomBytes(6).toString('hex')}`);
  // Keys and secrets a test platform writes go to its own directory, never the checkout's .acgs/.
  const dataDir = mkdtempSync(join(tmpdir(), 'acgs-test-'));
  const env: Record<string, string> = {
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'info',
    ACGS_BCRYPT_COST: '10',
    ACGS_MAINTENANCE_FILE: maintenanceFile,
    ACGS_DATA_DIR: dataDir,
    // Limits are exercised by their own tests; elsewhere they would only make tests depend on request counts.
    ACGS_RATE_LIMIT_PER_MINUTE: '1000000',
    ACGS_AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_SERVICE_SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789',
    AUTH_SERVICE_CSRF_SECRET_KEY: 'test-csrf-key-0123456789abcdef0123456789ab',
    ACGS_SIGNING_KEY_PASSPHRASE: 'test-signing-passphrase-0123456789abcdef',
    // Every response of every integration test is checked against the schema its route declares.
    ACGS_CHECK_RESPONSES: 'true',
    ...options.env,
  };
  let schema: string | null = null;
  let scratch: ScratchSchema | null = null;
  if (backend === 'postgres') {
    if (options.schema === undefined) scratch = await createScratchSchema();
    schema = scratch?.name ?? options.schema!;
    env['DATABASE_URL'] = (options.databaseUrl ?? ((url: string) => url))(scratchSchemaUrl(schema));
  } else {
    env['DATABASE_URL'] = 'pglite://memory';
  }
  const redisUrl = (options.redisUrl ?? ((url: string) => url))(REDIS_URL);
  if (options.redis === true) env['REDIS_URL'] = redisUrl;
  const config = loadConfig(env);
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger(
    config.logLevel,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n'))
          if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  );
  const db =
    backend === 'pglite'
      ? await openPglite(await migratedPgliteSnapshot())
      : await openPostgres({
          url: env['DATABASE_URL'],
          size: config.pool.size,
          maxOverflow: config.pool.maxOverflow,
          timeoutMs: config.pool.timeoutMs,
        });
  const cachePrefix = options.cachePrefix ?? `test:${randomBytes(6).toString('hex')}:`;
  const cache = options.redis === true ? await openCache(redisUrl, cachePrefix) : undefined;
  const platform = await createPlatform(config, { logger, db, ...(cache === undefined ? {} : { cache }) });
  return {
    platform,
    backend,
    env,
    logs,
    schema,
    cachePrefix,
    async cleanup() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
      await scratch?.drop();
    },
  };
}

export async function createTestApp(service: ServiceName, platform: Platform): Promise<FastifyInstance> {
  const app = await createServiceApp(SERVICES[service], platform);
  await app.ready();
  return app;
}

export const STRONG_PASSWORD = 'correct-Horse-battery-9';

/** Creates a user with the given roles straight through the account logic. */
export async function createUser(
  platform: Platform,
  roles: Role[] = [],
  email = `user-${randomBytes(5).toString('hex')}@example.com`,
) {
  const user = await buildAccounts(platform).register({
    email,
    password: STRONG_PASSWORD,
    fullName: 'Test User',
    roles,
  });
  return { id: user.id, email, password: STRONG_PASSWORD };
}

export interface LoggedIn {
  userId: string;
  email: string;
  accessToken: string;
  refreshToken: string;
  cookies: Record<string, string>;
}

export async function login(
  app: FastifyInstance,
  email: string,
  password = STRONG_PASSWORD,
  remoteAddress = '127.0.0.1',
): Promise<LoggedIn> {
  const response = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { username: email, password },
    remoteAddress,
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  const body = response.json<{ access_token: string; refresh_token: string }>();
  const cookies = Object.fromEntries(response.cookies.map((cookie) => [cookie.name, cookie.value]));
  const me = await app.inject({
    method: 'GET',
    url: '/auth/me',
    headers: { authorization: `Bearer ${body.access_token}` },
  });
  return {
    userId: me.json<{ id: string }>().id,
    email,
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    cookies,
  };
}

export async function userWithRoles(app: FastifyInstance, platform: Platform, roles: Role[]): Promise<LoggedIn> {
  const user = await createUser(platform, roles);
  return login(app, user.email);
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A user with these roles and an access token for it, minted directly (no login round-trip). */
export async function tokenFor(
  platform: Platform,
  roles: Role[],
): Promise<{ userId: string; headers: Record<string, string> }> {
  const user = await createUser(platform, roles);
  const token = await platform.tokens.issueAccessToken(user.id, roles, randomBytes(16).toString('hex'));
  return { userId: user.id, headers: { authorization: `Bearer ${token}` } };
}

/**
 * Runs these steps in order when the test ends, passed or failed — the try/finally every test would otherwise repeat.
 * Give them in teardown order: apps before the platform they run on.
 */
export function cleanupAfter(t: TestContext, ...steps: (() => Promise<unknown>)[]): void {
  t.after(async () => {
    for (const step of steps) await step();
  });
}

/** A user with these roles (an agent unless told) and an API key an admin issued it through the auth API. */
export async function apiKeyFor(
  platform: Platform,
  roles: Role[] = ['agent'],
): Promise<{ userId: string; headers: Record<string, string> }> {
  const auth = await createTestApp('auth', platform);
  try {
    const admin = (await tokenFor(platform, ['admin'])).headers;
    const user = await createUser(platform, roles);
    const issued = await auth.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: admin,
      payload: { user_id: user.id, name: 'machine' },
    });
    if (issued.statusCode !== 201) throw new Error(`issuing an API key failed: ${issued.body}`);
    return { userId: user.id, headers: { 'x-api-key': issued.json().key } };
  } finally {
    await auth.close();
  }
}
