import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { DASHBOARDS } from '../../src/operations/grafana-dashboards.js';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { binaryAvailable } from '../support/binaries.js';
import { fakeModerationServer } from '../support/fake-moderation.js';
import { backends } from '../support/harness.js';
import { createScratchSchema } from '../support/postgres-schema.js';
import { freePort, runCli, waitFor, waitForHealthy, type CliProcess } from '../support/process.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const PASSWORD = 'monitoring-check-2026';
const tools =
  binaryAvailable('prometheus', ['--version'], 'prometheus') &&
  binaryAvailable('prometheus-alertmanager', ['--version'], 'prometheus-alertmanager');
// The alert test edits an audit row behind the stack's back, which needs a database another process can write.
const runs = tools && (await backends()).includes('postgres');

/** Every PromQL query of the operations guide, container_* ones aside (no containers here). */
const GUIDE_QUERIES = [
  'histogram_quantile(0.95, rate(acgs_http_request_duration_seconds_bucket[5m]))',
  'acgs_auth_attempts_total',
  'rate(acgs_auth_success_total[5m]) / rate(acgs_auth_attempts_total[5m]) * 100',
  'topk(10, sum by (source_ip) (rate(acgs_auth_failures_total[5m])))',
  'acgs_jwt_tokens_active',
  'topk(10, histogram_quantile(0.95, rate(acgs_http_request_duration_seconds_bucket[5m])))',
  "rate(acgs_service_calls_total{status='error'}[5m])",
  'acgs_database_connections / acgs_database_max_connections * 100',
  'topk(10, rate(acgs_http_requests_total[5m]))',
];

/** A local Alertmanager webhook receiver: keeps every notification it is sent. */
function webhookReceiver(): Promise<{
  server: Server;
  url: string;
  notifications: { status: string; alerts: { labels: Record<string, string>; status: string }[] }[];
}> {
  const notifications: { status: string; alerts: { labels: Record<string, string>; status: string }[] }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      notifications.push(JSON.parse(body));
      response.writeHead(200).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`, notifications }),
    ),
  );
}

describe(
  'a real Prometheus and Alertmanager over a running stack',
  { skip: runs ? false : 'needs prometheus, prometheus-alertmanager and PostgreSQL' },
  () => {
    let stack: CliProcess;
    const daemons: ChildProcess[] = [];
    const servers: Server[] = [];
    let prometheus: string;
    let work: string;
    let databaseUrl: string;
    let dropSchema: () => Promise<void> = async () => undefined;
    let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
    const urls: Record<string, string> = {};
    let stackEnv: Record<string, string>;

    const query = async (expr: string) => {
      const response = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`);
      return (await response.json()) as { status: string; error?: string; data: { result: unknown[] } };
    };

    before(async () => {
      const moderation = await fakeModerationServer();
      receiver = await webhookReceiver();
      servers.push(moderation.server, receiver.server);
      const scratch = await createScratchSchema('monitoring');
      dropSchema = scratch.drop;
      databaseUrl = scratch.url;
      work = mkdtempSync(join(tmpdir(), 'acgs-monitoring-'));
      const env: Record<string, string> = {
        DATABASE_URL: scratch.url,
        ACGS_DATA_DIR: join(work, 'data'),
        ACGS_ADMIN_EMAIL: 'ops@example.com',
        ACGS_ADMIN_PASSWORD: PASSWORD,
        ACGS_BCRYPT_COST: '10',
        ACGS_RATE_LIMIT_PER_MINUTE: '0',
        ACGS_AUTH_RATE_LIMIT_PER_MINUTE: '10000',
        ACGS_CLASSIFIER_URL: moderation.url,
        ACGS_CLASSIFIER_API_KEY: 'moderation-key',
      };
      const targets: string[] = [];
      for (const service of SERVICE_NAMES) {
        const port = await freePort();
        env[`${service.toUpperCase()}_PORT`] = String(port);
        urls[service] = `http://127.0.0.1:${port}`;
        targets.push(`'127.0.0.1:${port}'`);
      }
      stackEnv = env;
      stack = runCli(['up'], env);
      await waitForHealthy(Object.values(urls), 60_000, 'six healthy services', stack);

      const alertmanagerPort = await freePort();
      const alertmanagerConfig = readFileSync(join(DEPLOY, 'alertmanager/alertmanager.yml'), 'utf8').replace(
        /\$\{([A-Z_]+)\}/g,
        (_, name: string) =>
          ({
            ACGS_ALERT_WEBHOOK_URL: receiver.url,
            ACGS_ALERT_SLACK_URL: 'http://127.0.0.1:9/slack',
            ACGS_ALERT_EMAIL_TO: 'oncall@example.com',
            ACGS_ALERT_EMAIL_FROM: 'acgs@example.com',
            ACGS_ALERT_SMARTHOST: '127.0.0.1:9',
          })[name] ?? '',
      );
      writeFileSync(join(work, 'alertmanager.yml'), alertmanagerConfig);
      daemons.push(
        spawn(
          'prometheus-alertmanager',
          [
            `--config.file=${join(work, 'alertmanager.yml')}`,
            `--storage.path=${join(work, 'am')}`,
            `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
            '--cluster.listen-address=',
          ],
          { stdio: 'ignore' },
        ),
      );

      // The shipped prometheus.yml, pointed at this stack's ports and scraping every second so a short run has data.
      const prometheusPort = await freePort();
      prometheus = `http://127.0.0.1:${prometheusPort}`;
      const shipped = readFileSync(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8');
      const config = shipped
        .replace(/scrape_interval: \d+s/, 'scrape_interval: 1s')
        .replace(/evaluation_interval: \d+s/, 'evaluation_interval: 1s')
        .replace(/targets: \['127\.0\.0\.1:9093'\]/, `targets: ['127.0.0.1:${alertmanagerPort}']`)
        .replace(/targets: \['127\.0\.0\.1:8000'[^\]]*\]/, `targets: [${targets.join(', ')}]`);
      assert.notEqual(config, shipped);
      writeFileSync(join(work, 'prometheus.yml'), config);
      symlinkSync(join(DEPLOY, 'prometheus/rules'), join(work, 'rules'));
      daemons.push(
        spawn(
          'prometheus',
          [
            `--config.file=${join(work, 'prometheus.yml')}`,
            `--storage.tsdb.path=${join(work, 'tsdb')}`,
            `--web.listen-address=127.0.0.1:${prometheusPort}`,
          ],
          { stdio: 'ignore' },
        ),
      );
      await waitFor(
        async () => (await fetch(`${prometheus}/-/ready`).catch(() => null))?.status === 200,
        30_000,
        'Prometheus ready',
      );
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${alertmanagerPort}/-/ready`).catch(() => null))?.status === 200,
        30_000,
        'Alertmanager ready',
      );
    });

    after(async () => {
      for (const daemon of daemons) daemon.kill('SIGTERM');
      stack?.child.kill('SIGTERM');
      await stack?.exited;
      for (const server of servers) server.close();
      await dropSchema();
      if (work !== undefined) rmSync(work, { recursive: true, force: true });
    });

    it('scrapes all six services and answers every PromQL query of the guide with data after a short load', async () => {
      assert.equal((await fetch(`${prometheus}/-/healthy`)).status, 200);
      const login = async (username: string, password: string) =>
        fetch(`${urls['auth']}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
      const token = ((await (await login('ops@example.com', PASSWORD)).json()) as { access_token: string })
        .access_token;
      const deadline = Date.now() + 6000;
      for (let round = 0; Date.now() < deadline; round += 1) {
        await login('ops@example.com', PASSWORD);
        await login(`intruder-${round}@example.com`, 'not-the-password-1');
        await fetch(`${urls['pgc']}/api/v1/enforcement/evaluate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            principal: { type: 'Agent', id: 'bot' },
            action: 'respond',
            resource: { type: 'Model', id: 'm' },
            content: round % 3 === 0 ? 'provider unavailable now' : `answer ${round}`,
          }),
        });
        await fetch(`${urls['ac']}/api/v1/principles`, { headers: { authorization: `Bearer ${token}` } });
      }
      await waitFor(
        async () => {
          const targets = (await (await fetch(`${prometheus}/api/v1/targets`)).json()) as {
            data: { activeTargets: { health: string; labels: { job: string } }[] };
          };
          const active = targets.data.activeTargets;
          return (
            active.length === 6 &&
            active.every((target) => target.health === 'up' && target.labels.job === 'acgs-services')
          );
        },
        20_000,
        'six healthy targets in job acgs-services',
      );
      for (const expr of GUIDE_QUERIES) {
        await waitFor(async () => (await query(expr)).data.result.length > 0, 30_000, `data for ${expr}`);
      }
      await waitFor(
        async () => {
          const now = Math.floor(Date.now() / 1000);
          const answer = (await (
            await fetch(
              `${prometheus}/api/v1/query_range?query=acgs_http_request_duration_seconds&start=${now - 3600}&end=${now}&step=60`,
            )
          ).json()) as { data: { result: unknown[] } };
          return answer.data.result.length > 0;
        },
        30_000,
        "the guide's query_range on acgs_http_request_duration_seconds",
      );
    });

    it('acgs doctor on this healthy stack exits 0, with the Prometheus targets up', async () => {
      const run = runCli(['doctor', '--json'], { ...stackEnv, PROMETHEUS_URL: prometheus });
      const code = await run.exited;
      const report = JSON.parse(run.output()) as {
        ok: boolean;
        checks: { check: string; status: string; detail: string }[];
      };
      assert.equal(code, 0, run.output());
      assert.equal(report.ok, true);
      const byName = new Map(report.checks.map((check) => [check.check, check]));
      for (const name of [
        ...SERVICE_NAMES.map((service) => `service ${service}`),
        'database',
        'migrations',
        'policy bundle',
        'audit log',
        'prometheus targets',
        'clock skew',
      ]) {
        assert.equal(byName.get(name)?.status, 'ok', `${name}: ${byName.get(name)?.detail}`);
      }
      assert.match(byName.get('prometheus targets')!.detail, /6 of 6/);
    });

    it('parses every PromQL query of the Grafana dashboards and alert rules', async () => {
      for (const dashboard of DASHBOARDS) {
        for (const panel of dashboard.panels) {
          for (const { expr } of panel.queries) {
            const answer = await query(expr);
            assert.equal(answer.status, 'success', `${dashboard.uid} / ${panel.title}: ${expr}: ${answer.error ?? ''}`);
          }
        }
      }
      const rules = (await (await fetch(`${prometheus}/api/v1/rules`)).json()) as {
        data: { groups: { rules: { health: string; name: string }[] }[] };
      };
      const loaded = rules.data.groups.flatMap((group) => group.rules);
      assert.ok(loaded.length >= 16);
      assert.deepEqual(
        loaded.filter((rule) => rule.health === 'err').map((rule) => rule.name),
        [],
      );
    });

    it('fires AuditVerificationFailure into the webhook receiver through Alertmanager when an audit row is edited', async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`UPDATE audit_logs SET action = 'covered.up' WHERE leaf_index = 3`);
      } finally {
        await client.end();
      }
      const login = await fetch(`${urls['auth']}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'ops@example.com', password: PASSWORD }),
      });
      const token = ((await login.json()) as { access_token: string }).access_token;
      const verify = (await (
        await fetch(`${urls['integrity']}/api/v1/audit/verify`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as { ok: boolean; findings: { leaf_index: number }[] };
      assert.equal(verify.ok, false);
      assert.ok(verify.findings.some((finding) => finding.leaf_index === 3));
      // group_wait is 30 s in the shipped Alertmanager config.
      await waitFor(
        () =>
          receiver.notifications.some((notification) =>
            notification.alerts.some(
              (alert) =>
                alert.labels['alertname'] === 'AuditVerificationFailure' &&
                alert.status === 'firing' &&
                alert.labels['severity'] === 'critical',
            ),
          ),
        90_000,
        'AuditVerificationFailure at the webhook',
      );
    });
  },
);
