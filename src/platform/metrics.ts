import client from 'prom-client';
import type { Database } from './db/database.js';

/** The metric contract of ARCHITECTURE §6: dashboards and alert rules query these exact names. */
export interface ServiceMetrics {
  readonly registry: client.Registry;
  readonly httpRequests: client.Counter<'service' | 'method' | 'endpoint' | 'status'>;
  readonly httpDuration: client.Histogram<'service' | 'method' | 'endpoint'>;
  readonly errors: client.Counter<'service' | 'type' | 'severity'>;
  readonly serviceCalls: client.Counter<'source' | 'target' | 'status'>;
}

export const DEPENDENCIES = ['database', 'cache'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

/** The dependency whose absence an error code reports, if any. */
export function dependencyOf(errorCode: string): Dependency | null {
  if (errorCode === 'DATABASE_UNAVAILABLE' || errorCode === 'DB_POOL_TIMEOUT') return 'database';
  if (errorCode === 'CACHE_UNAVAILABLE') return 'cache';
  return null;
}

/** One registry per service: Prometheus scrapes each service port as its own target, so nothing is counted twice. */
export function createServiceMetrics(service: string, db: Database): ServiceMetrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry });
  const httpRequests = new client.Counter({
    name: 'acgs_http_requests_total',
    help: 'HTTP requests by route pattern and status',
    labelNames: ['service', 'method', 'endpoint', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new client.Histogram({
    name: 'acgs_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern',
    labelNames: ['service', 'method', 'endpoint'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new client.Counter({
    name: 'acgs_errors_total',
    help: 'Errors by type and severity',
    labelNames: ['service', 'type', 'severity'] as const,
    registers: [registry],
  });
  const serviceCalls = new client.Counter({
    name: 'acgs_service_calls_total',
    help: 'Calls from this service to what it depends on (database, cache, classifier, the verifier fv) by outcome: health probes, verifier questions, and requests that failed for want of one',
    labelNames: ['source', 'target', 'status'] as const,
    registers: [registry],
  });
  // Every deployment has these dependencies, so the guide's error-rate query has a series from the first scrape.
  for (const target of DEPENDENCIES)
    for (const status of ['ok', 'error']) serviceCalls.inc({ source: service, target, status }, 0);
  new client.Gauge({
    name: 'acgs_database_connections',
    help: 'Open database connections (in use or idle)',
    registers: [registry],
    collect() {
      this.set(db.stats().open);
    },
  });
  new client.Gauge({
    name: 'acgs_database_max_connections',
    help: 'Maximum database connections: pool size plus overflow',
    registers: [registry],
    collect() {
      this.set(db.stats().max);
    },
  });
  new client.Gauge({
    name: 'acgs_database_pool_waiting',
    help: 'Requests waiting for a database connection',
    registers: [registry],
    collect() {
      this.set(db.stats().waiting);
    },
  });
  return { registry, httpRequests, httpDuration, errors, serviceCalls };
}

/**
 * A counter with one label whose every known value is exported from the start at 0, so rate() and increase() see
 * the first event instead of a series that appears with it.
 */
export function countersByLabel<Label extends string>(
  registry: client.Registry,
  options: { name: string; help: string; label: Label; values: readonly string[] },
): client.Counter<Label> {
  const counter = new client.Counter({
    name: options.name,
    help: options.help,
    labelNames: [options.label],
    registers: [registry],
  });
  for (const value of options.values) counter.inc({ [options.label]: value } as Partial<Record<Label, string>>, 0);
  return counter;
}
