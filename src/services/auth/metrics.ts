import client from 'prom-client';
import type { Registry } from 'prom-client';

export interface AuthMetrics {
  attempts: client.Counter;
  successes: client.Counter;
  failures: client.Counter<'source_ip'>;
}

export function createAuthMetrics(registry: Registry, countLiveSessions: () => Promise<number>): AuthMetrics {
  new client.Gauge({
    name: 'acgs_jwt_tokens_active',
    help: 'Live sessions: refresh-token families neither revoked nor expired',
    registers: [registry],
    async collect() {
      this.set(await countLiveSessions());
    },
  });
  return {
    attempts: new client.Counter({ name: 'acgs_auth_attempts_total', help: 'Login attempts', registers: [registry] }),
    successes: new client.Counter({
      name: 'acgs_auth_success_total',
      help: 'Successful logins',
      registers: [registry],
    }),
    failures: new client.Counter({
      name: 'acgs_auth_failures_total',
      help: 'Failed logins by source IP',
      labelNames: ['source_ip'] as const,
      registers: [registry],
    }),
  };
}

/** The JSON summary behind GET /auth/metrics/auth. */
export async function summarizeAuthMetrics(metrics: AuthMetrics) {
  const total = async (counter: client.Counter<string>) =>
    (await counter.get()).values.reduce((sum, value) => sum + value.value, 0);
  const failuresByIp = (await metrics.failures.get()).values
    .map((value) => ({ source_ip: String(value.labels['source_ip']), failures: value.value }))
    .sort((a, b) => b.failures - a.failures)
    .slice(0, 10);
  const attempts = await total(metrics.attempts);
  const successes = await total(metrics.successes);
  return {
    attempts,
    successes,
    failures: await total(metrics.failures),
    success_rate: attempts === 0 ? null : successes / attempts,
    top_failure_sources: failuresByIp,
  };
}
