// The evaluate path without the network, PostgreSQL or the other services: PGC and ac in this process on PGlite in
// memory, the decision log answering at once (as bench/decision-log-off.mjs makes it), evaluations with unique
// content injected 50 at a time. For an A/B of the request path between two builds, run it against each build's
// dist in turn: `node bench/evaluate-in-process.mjs <dist> [evaluations]` (another build's dist takes its own path to
// the decision log module in ACGS_DECISION_LOG_MODULE when it differs). Prints evaluations per second. With
// OTEL_EXPORTER_OTLP_ENDPOINT set, the same path traced: tracing's cost per request without the network's noise.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const dist = resolve(process.argv[2] ?? 'dist');
const evaluations = Number(process.argv[3] ?? 20_000);
const CONCURRENT = 50;

const { loadConfig } = await import(`${dist}/platform/config.js`);
const { createPlatform } = await import(`${dist}/platform/platform.js`);
const { createServiceApp } = await import(`${dist}/platform/http/server.js`);
const { SERVICES } = await import(`${dist}/services/catalog.js`);
const { buildAccounts } = await import(`${dist}/services/auth/accounts-factory.js`);
const { DecisionLog } = await import(
  process.env['ACGS_DECISION_LOG_MODULE'] ?? `${dist}/services/pgc/decision-log/log.js`
);
DecisionLog.prototype.append = () => Promise.resolve();

// With OTEL_EXPORTER_OTLP_ENDPOINT set (bench/otlp-sink.mjs, say), the request path traced as `acgs up` traces it.
const tracing = await (
  await import(`${dist}/platform/tracing.js`).catch(() => ({ startTracing: async () => null }))
).startTracing('acgs-in-process');

const dataDir = mkdtempSync(join(tmpdir(), 'acgs-in-process-'));
const platform = await createPlatform(
  loadConfig({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: 'pglite://memory',
    ACGS_DATA_DIR: dataDir,
    AUTH_SERVICE_SECRET_KEY: randomUUID() + randomUUID(),
    AUTH_SERVICE_CSRF_SECRET_KEY: randomUUID() + randomUUID(),
    ACGS_SIGNING_KEY_PASSPHRASE: randomUUID() + randomUUID(),
    ACGS_BCRYPT_COST: '4',
    ACGS_RATE_LIMIT_PER_MINUTE: '10000000',
  }),
);
// ac loads the starter constitution; PGC then activates the starter bundle that implements it.
const ac = await createServiceApp(SERVICES.ac, platform);
await ac.ready();
const pgc = await createServiceApp(SERVICES.pgc, platform);
await pgc.ready();
const agent = await buildAccounts(platform).register({
  email: 'agent@example.com',
  password: 'correct-Horse-battery-9',
  fullName: 'Agent',
  roles: ['agent'],
});
const headers = {
  authorization: `Bearer ${await platform.tokens.issueAccessToken(agent.id, ['agent'], randomUUID())}`,
  'content-type': 'application/json',
};
let sent = 0;
const evaluate = () =>
  pgc.inject({
    method: 'POST',
    url: '/api/v1/enforcement/evaluate',
    headers,
    payload: {
      principal: { type: 'Agent', id: 'bench' },
      action: 'generate',
      resource: { type: 'Model', id: 'bench' },
      content: `request ${(sent += 1)}: please summarise the quarterly notes`,
    },
  });
const wave = () => Promise.all(Array.from({ length: CONCURRENT }, evaluate));

const first = await evaluate();
if (first.statusCode !== 200) throw new Error(`evaluate answered ${first.statusCode}: ${first.body}`);
for (let warm = 0; warm < 2_000; warm += CONCURRENT) await wave();
const started = performance.now();
for (let done = 0; done < evaluations; done += CONCURRENT) await wave();
const seconds = (performance.now() - started) / 1000;
console.log(
  `${dist}: ${Math.round(evaluations / seconds)} evaluations/s in process (${evaluations}, ${CONCURRENT} at a time)`,
);
await pgc.close();
await ac.close();
await tracing?.shutdown();
await platform.close();
rmSync(dataDir, { recursive: true, force: true });
