import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { DASHBOARDS, dashboardJson } from '../../src/operations/grafana-dashboards.js';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { binaryAvailable } from '../support/binaries.js';
import { createTestApp, createTestPlatform, cleanupAfter } from '../support/harness.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const promtool = binaryAvailable('promtool', ['--version'], 'prometheus');
const amtool = binaryAvailable('amtool', ['--version'], 'prometheus-alertmanager');

function run(command: string, args: string[], cwd = DEPLOY): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout + result.stderr;
}

/** What envsubst does with the shipped template, for the variables it names. */
function renderAlertmanagerConfig(values: Readonly<Record<string, string>>): string {
  return readFileSync(join(DEPLOY, 'alertmanager/alertmanager.yml'), 'utf8').replace(
    /\$\{([A-Z_]+)\}/g,
    (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`no value for \${${name}}`);
      return value;
    },
  );
}

const ALERT_ENV = {
  ACGS_ALERT_WEBHOOK_URL: 'http://127.0.0.1:9099/alerts',
  ACGS_ALERT_SLACK_URL: 'https://hooks.slack.com/services/T000/B000/test-hook',
  ACGS_ALERT_EMAIL_TO: 'oncall@example.com',
  ACGS_ALERT_EMAIL_FROM: 'acgs@example.com',
  ACGS_ALERT_SMARTHOST: 'smtp.example.com:587',
};

describe('shipped monitoring configuration', () => {
  it(
    'promtool accepts prometheus.yml and the rules, and every rule unit test passes',
    { skip: promtool ? false : 'promtool (Debian prometheus) not installed' },
    () => {
      run('promtool', ['check', 'config', 'prometheus/prometheus.yml']);
      assert.match(run('promtool', ['check', 'rules', 'prometheus/rules/acgs-alerts.yml']), /SUCCESS: \d+ rules found/);
      assert.match(run('promtool', ['test', 'rules', 'prometheus/tests/acgs-alerts.test.yml']), /SUCCESS/);
    },
  );

  it(
    'amtool accepts the Alertmanager config once its variables are filled in',
    { skip: amtool ? false : 'amtool (Debian prometheus-alertmanager) not installed' },
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'acgs-am-'));
      try {
        writeFileSync(join(dir, 'alertmanager.yml'), renderAlertmanagerConfig(ALERT_ENV));
        assert.match(
          run('amtool', ['check-config', join(dir, 'alertmanager.yml')]),
          /SUCCESS[\s\S]*3 inhibit rules[\s\S]*3 receivers/,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('the shipped Grafana dashboards are what `acgs grafana dashboards` writes, with unique uids including acgs-overview', () => {
    const uids = DASHBOARDS.map((dashboard) => dashboard.uid);
    assert.equal(new Set(uids).size, uids.length);
    assert.ok(uids.includes('acgs-overview'));
    assert.deepEqual(
      readdirSync(join(DEPLOY, 'grafana/dashboards')).sort(),
      DASHBOARDS.map((dashboard) => dashboard.file).sort(),
    );
    for (const dashboard of DASHBOARDS) {
      assert.equal(
        readFileSync(join(DEPLOY, 'grafana/dashboards', dashboard.file), 'utf8'),
        `${JSON.stringify(dashboardJson(dashboard), null, 2)}\n`,
        `${dashboard.file} is stale: run acgs grafana dashboards --out deploy/grafana/dashboards`,
      );
    }
  });

  it('every metric the alert rules and dashboards query is one the services export (or a recording rule)', async (t) => {
    const rules = readFileSync(join(DEPLOY, 'prometheus/rules/acgs-alerts.yml'), 'utf8');
    const recorded = new Set([...rules.matchAll(/record: (\S+)/g)].map((match) => match[1]!));
    const expressions = [
      ...[...rules.matchAll(/expr: (.*)/g)].map((match) => match[1]!),
      ...DASHBOARDS.flatMap((dashboard) =>
        dashboard.panels.flatMap((panel) => panel.queries.map((query) => query.expr)),
      ),
    ];
    const queried = new Set(
      expressions.flatMap((expr) =>
        [...expr.matchAll(/(?<![:\w])((?:acgs|process|nodejs)_[a-z0-9_]+)\b/g)].map((name) =>
          name[1]!.replace(/_(bucket|count|sum)$/, ''),
        ),
      ),
    );
    for (const expr of expressions)
      for (const match of expr.matchAll(/\b([a-z]+:[a-z_]+:[a-z_]+)\b/g))
        assert.ok(recorded.has(match[1]!), `${match[1]} is not a recording rule`);
    const env = await createTestPlatform('pglite');
    const exported = new Set<string>();
    cleanupAfter(t, () => env.cleanup());
    for (const service of SERVICE_NAMES) {
      const app = await createTestApp(service, env.platform);
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      for (const match of text.matchAll(/^# TYPE (\S+)/gm)) exported.add(match[1]!);
      await app.close();
    }
    assert.deepEqual([...queried].filter((name) => !exported.has(name)).sort(), []);
    assert.ok(queried.size >= 25, `${queried.size} metrics queried`);
  });
});
