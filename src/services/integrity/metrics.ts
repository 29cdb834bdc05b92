import client from 'prom-client';
import type { IntegrityContext } from './context.js';
import { readGovernanceState } from './governance-state.js';

/** Gauges read at scrape time from the database, so every instance reports the same figures. */
export function registerIntegrityGauges({
  platform,
  metrics,
  audit,
  bundles,
  policies,
  constitutions,
}: IntegrityContext): void {
  new client.Gauge({
    name: 'acgs_audit_log_size',
    help: 'Entries in the Merkle audit log',
    registers: [metrics.registry],
    async collect() {
      this.set(await audit.size());
    },
  });
  new client.Gauge({
    name: 'acgs_bundle_active_version',
    help: 'Version of the bundle marked active in the database (0: none); PGC instances should be enforcing it',
    registers: [metrics.registry],
    async collect() {
      this.set(await bundles.activeVersion());
    },
  });
  new client.Gauge({
    name: 'acgs_constitution_unenforced_seconds',
    help: 'Seconds since the constitution in force was enacted while the bundle in force does not implement it (0: enforced); GET /api/v1/change-sets/state says what is pending',
    labelNames: ['state'] as const,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      const state = await readGovernanceState(platform.db, constitutions);
      const since = state.state === 'enforced' || state.constitution === null ? null : state.constitution.enacted_at;
      this.set({ state: state.state }, since === null ? 0 : Math.max(0, (Date.now() - Date.parse(since)) / 1000));
    },
  });
  new client.Gauge({
    name: 'acgs_policies',
    help: 'Policy versions by lifecycle status',
    labelNames: ['status'] as const,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const { status, count } of await policies.countByStatus()) this.set({ status }, count);
    },
  });
}
