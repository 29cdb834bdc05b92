import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { DEPENDENCIES, type ServiceMetrics } from '../metrics.js';
import type { Platform } from '../platform.js';
import { VERSION } from '../version.js';

const Check = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  backend: Type.String(),
  latency_ms: Type.Number(),
  error: Type.Optional(Type.String()),
});

export const HealthBody = Type.Object({
  status: Type.Union([
    Type.Literal('healthy'),
    Type.Literal('degraded'),
    Type.Literal('unhealthy'),
    Type.Literal('maintenance'),
  ]),
  service: Type.String(),
  version: Type.String(),
  instance_id: Type.String(),
  uptime_seconds: Type.Number(),
  timestamp: Type.String({ format: 'date-time' }),
  checks: Type.Record(Type.String(), Check, {
    description: 'database and cache always; services add their own (e.g. policy_bundle)',
  }),
});

/** A service-specific check computed from in-memory state; a "down" one makes the service degraded, not unhealthy. */
export type HealthContributor = () => { name: string; backend: string; status: 'up' | 'down'; error?: string };

type CheckResult = { status: 'up' | 'down'; backend: string; latency_ms: number; error?: string };

async function timed(backend: string, probe: () => Promise<void>, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up', backend, latency_ms: round(performance.now() - started) };
  } catch (error) {
    return { status: 'down', backend, latency_ms: round(performance.now() - started), error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

interface DependencyChecks {
  database: CheckResult;
  cache: CheckResult;
}

/** How long one round of dependency checks answers for; probes at any rate cost the database one ping a second. */
const CHECK_REUSE_MS = 1000;
const recentChecks = new WeakMap<Platform, { at: number; checks: Promise<DependencyChecks> }>();

function dependencyChecks(platform: Platform): Promise<DependencyChecks> {
  const recent = recentChecks.get(platform);
  if (recent !== undefined && performance.now() - recent.at < CHECK_REUSE_MS) return recent.checks;
  const checks = Promise.all([
    timed(platform.db.backend, () => platform.db.ping(), 2000),
    timed(platform.cache.backend, () => platform.cache.ping(), 2000),
  ]).then(([database, cache]) => ({ database, cache }));
  recentChecks.set(platform, { at: performance.now(), checks });
  return checks;
}

/** Runs the dependency checks; a lost database makes the service unhealthy, a lost cache only degrades it. */
export async function checkHealth(
  platform: Platform,
  service: string,
  contributors: readonly HealthContributor[] = [],
) {
  const { database, cache } = await dependencyChecks(platform);
  const extra = contributors.map((contributor) => contributor());
  const status =
    database.status === 'down'
      ? 'unhealthy'
      : platform.maintenance.on
        ? 'maintenance'
        : cache.status === 'down' || extra.some((check) => check.status === 'down')
          ? 'degraded'
          : 'healthy';
  return {
    status,
    service,
    version: VERSION,
    instance_id: platform.config.instanceId,
    uptime_seconds: Math.round((Date.now() - platform.startedAt) / 1000),
    timestamp: new Date().toISOString(),
    checks: {
      database,
      cache,
      ...Object.fromEntries(extra.map(({ name, ...check }) => [name, { ...check, latency_ms: 0 }])),
    },
  } as const;
}

export function registerHealthRoute(
  app: FastifyInstance,
  platform: Platform,
  service: string,
  metrics: ServiceMetrics,
  path = '/health',
): void {
  app.get(
    path,
    {
      config: { access: 'public', rateLimit: false },
      schema: {
        tags: ['operations'],
        summary: 'Liveness and dependency checks',
        response: { 200: HealthBody, 503: HealthBody },
      },
    },
    async (_request, reply) => {
      const health = await checkHealth(platform, service, app.healthContributors);
      for (const target of DEPENDENCIES)
        metrics.serviceCalls.inc({
          source: service,
          target,
          status: health.checks[target].status === 'up' ? 'ok' : 'error',
        });
      return reply.status(health.status === 'unhealthy' ? 503 : 200).send(health);
    },
  );
}
