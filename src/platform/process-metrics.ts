import client from 'prom-client';

/**
 * Metrics of what a process shares between its services (the database pool, the audit log): observed once per
 * process and exported by the first service that claims them, so `acgs up` does not report each event six times.
 */
export class ProcessMetrics {
  readonly auditAppendDuration = new client.Histogram({
    name: 'acgs_audit_append_duration_seconds',
    help: 'Time an audit append holds the log (lock, row, subtree hashes), per append of one or more entries; reported once per process',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [],
  });

  readonly dbQueryDuration = new client.Histogram({
    name: 'acgs_db_query_duration_seconds',
    help: 'Database statement latency by operation (select, insert, update, delete, other), lock waits included; reported once per process',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [],
  });

  readonly slowQueries = new client.Counter({
    name: 'acgs_db_slow_queries_total',
    help: 'Statements slower than ACGS_SLOW_QUERY_MS (each is also logged), by operation; reported once per process',
    labelNames: ['operation'] as const,
    registers: [],
  });

  private claimedBy: client.Registry | null = null;

  /** Exports these metrics from `registry` unless another service of the process does; returns the release. */
  claim(registry: client.Registry): () => void {
    if (this.claimedBy !== null) return () => undefined;
    this.claimedBy = registry;
    registry.registerMetric(this.auditAppendDuration);
    registry.registerMetric(this.dbQueryDuration);
    registry.registerMetric(this.slowQueries);
    return () => {
      for (const name of [
        'acgs_audit_append_duration_seconds',
        'acgs_db_query_duration_seconds',
        'acgs_db_slow_queries_total',
      ])
        registry.removeSingleMetric(name);
      if (this.claimedBy === registry) this.claimedBy = null;
    };
  }
}
