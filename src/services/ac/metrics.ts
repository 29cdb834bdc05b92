import client from 'prom-client';

export function constitutionMetrics(registry: client.Registry, currentVersion: () => Promise<number>) {
  new client.Gauge({
    name: 'acgs_constitution_version',
    help: 'The version number of the constitution in force',
    registers: [registry],
    async collect() {
      this.set(await currentVersion());
    },
  });
  return {
    amendments: new client.Counter({
      name: 'acgs_amendments_total',
      help: 'Amendment state transitions',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    votes: new client.Counter({
      name: 'acgs_votes_total',
      help: 'Votes cast (including changed votes)',
      labelNames: ['vote'] as const,
      registers: [registry],
    }),
  };
}
