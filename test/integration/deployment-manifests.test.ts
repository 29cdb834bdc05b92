import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { deploymentFiles } from '../../src/operations/deployment.js';
import { CONFIG_VARIABLES, SERVICE_NAMES, type ServiceName } from '../../src/platform/config.js';
import { binaryAvailable } from '../support/binaries.js';
import { createTestApp, createTestPlatform } from '../support/harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');
const promtool = binaryAvailable('promtool', ['--version'], 'prometheus');

interface ComposeService {
  image: string;
  container_name: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
}

/** The paths each service really serves to GET, from its own route table. */
async function servedPaths(): Promise<Map<ServiceName, Set<string>>> {
  const env = await createTestPlatform('pglite');
  const served = new Map<ServiceName, Set<string>>();
  try {
    for (const service of SERVICE_NAMES) {
      const app = await createTestApp(service, env.platform);
      served.set(service, new Set(app.accessTable.filter((row) => row.method === 'GET').map((row) => row.url)));
      await app.close();
    }
  } finally {
    await env.cleanup();
  }
  return served;
}

const unknownVariables = (names: Iterable<string>) => [...names].filter((name) => !CONFIG_VARIABLES.includes(name));

describe('deployment manifests', () => {
  it('are what `acgs deployment render` writes', () => {
    for (const [path, text] of Object.entries(deploymentFiles()))
      assert.equal(read(path), text, `${path} is stale: run acgs deployment render`);
  });

  it('docker-compose: guide container names; our containers get only variables the config reads, and probe a port and path they serve', async () => {
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> };
    const names = Object.values(compose.services).map((service) => service.container_name);
    for (const expected of [
      'acgs_postgres_db',
      'acgs_prometheus',
      'acgs_nginx_gateway',
      'acgs_grafana',
      'acgs_auth_service',
      'acgs_auth_service_2',
    ])
      assert.ok(names.includes(expected), expected);
    assert.deepEqual(
      compose.services['postgres_db']!.environment && [
        compose.services['postgres_db']!.environment['POSTGRES_USER'],
        compose.services['postgres_db']!.environment['POSTGRES_DB'],
      ],
      ['acgs_user', 'acgs_pgp_db'],
      "the guide's psql -U acgs_user -d acgs_pgp_db",
    );
    const served = await servedPaths();
    const ours = Object.entries(compose.services).filter(([, service]) => service.image.startsWith('acgs-pgp'));
    assert.equal(ours.length, 7, 'two auth instances and one of every other service');
    for (const [name, service] of ours) {
      assert.deepEqual(unknownVariables(Object.keys(service.environment ?? {})), [], name);
      const kind = service.command!.at(-1) as ServiceName;
      assert.ok(SERVICE_NAMES.includes(kind), `${name} runs ${kind}`);
      const port = service.environment![`${kind.toUpperCase()}_PORT`];
      const probe = /fetch\('http:\/\/127\.0\.0\.1:(\d+)(\/[a-z]*)'\)/.exec(service.healthcheck!.test.join(' '));
      assert.ok(probe !== null, `${name} healthcheck`);
      assert.equal(probe[1], port, `${name} probes the port it listens on`);
      assert.ok(served.get(kind)!.has(probe[2]!), `${name} probes ${probe[2]}, which ${kind} serves`);
      for (const mapping of service.ports ?? [])
        assert.equal(mapping.split(':')[1], port, `${name} publishes its own port`);
    }
  });

  it('Kubernetes: ConfigMap, Secret and container env hold only variables the config reads; probes hit the port and path each service serves', async () => {
    const documents = parseAllDocuments(read('deploy/kubernetes/acgs.yaml')).map(
      (document) =>
        document.toJS() as {
          kind: string;
          metadata: { name: string };
          data?: Record<string, string>;
          stringData?: Record<string, string>;
          spec?: Record<string, unknown>;
        },
    );
    const configMap = documents.find((document) => document.kind === 'ConfigMap')!;
    const secret = documents.find((document) => document.kind === 'Secret')!;
    assert.deepEqual(unknownVariables([...Object.keys(configMap.data!), ...Object.keys(secret.stringData!)]), []);
    const served = await servedPaths();
    for (const service of SERVICE_NAMES) {
      const name = `acgs-${service}`;
      const byKind = (kind: string) =>
        documents.find((document) => document.kind === kind && document.metadata.name === name);
      const deployment = byKind('Deployment') as unknown as {
        spec: {
          selector: { matchLabels: Record<string, string> };
          template: {
            spec: {
              containers: {
                args: string[];
                ports: { containerPort: number }[];
                env: { name: string }[];
                startupProbe: { httpGet: { path: string; port: number } };
                readinessProbe: { httpGet: { path: string; port: number } };
                livenessProbe: { tcpSocket: { port: number } };
              }[];
            };
          };
        };
      };
      const container = deployment.spec.template.spec.containers[0]!;
      const port = Number(configMap.data![`${service.toUpperCase()}_PORT`]);
      assert.equal(container.args.at(-1), service);
      assert.equal(container.ports[0]!.containerPort, port);
      assert.deepEqual(unknownVariables(container.env.map((entry) => entry.name)), []);
      for (const probe of [container.startupProbe.httpGet, container.readinessProbe.httpGet]) {
        assert.equal(probe.port, port);
        assert.ok(served.get(service)!.has(probe.path), `${service} serves ${probe.path}`);
      }
      assert.equal(container.livenessProbe.tcpSocket.port, port);
      const kubeService = byKind('Service') as unknown as {
        spec: { selector: Record<string, string>; ports: { targetPort: number }[] };
      };
      assert.deepEqual(kubeService.spec.selector, deployment.spec.selector.matchLabels);
      assert.equal(kubeService.spec.ports[0]!.targetPort, port);
      assert.equal(
        (byKind('HorizontalPodAutoscaler') as unknown as { spec: { scaleTargetRef: { name: string } } }).spec
          .scaleTargetRef.name,
        name,
      );
      assert.deepEqual(
        (byKind('PodDisruptionBudget') as unknown as { spec: { selector: { matchLabels: Record<string, string> } } })
          .spec.selector.matchLabels,
        deployment.spec.selector.matchLabels,
      );
    }
  });

  it(
    'the compose gateway and Prometheus point at the compose containers on their ports',
    { skip: promtool ? false : 'promtool (Debian prometheus) not installed' },
    () => {
      const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> };
      const expected = Object.entries(compose.services)
        .filter(([, service]) => service.image.startsWith('acgs-pgp'))
        .map(([name, service]) => `${name}:${service.environment![`${service.command!.at(-1)!.toUpperCase()}_PORT`]}`)
        .sort();
      // Each instance once, though PGC's also appear in the MCP session-affinity upstream.
      const upstreams = [
        ...new Set(
          [...read('deploy/nginx/nginx.compose.conf').matchAll(/^\s+server (\S+) max_fails/gm)].map((m) => m[1]!),
        ),
      ].sort();
      assert.deepEqual(upstreams, expected);
      const prometheus = parse(read('deploy/prometheus/prometheus.compose.yml')) as {
        scrape_configs: { static_configs: { targets: string[] }[] }[];
      };
      assert.deepEqual([...prometheus.scrape_configs[0]!.static_configs[0]!.targets].sort(), expected);
      const check = spawnSync('promtool', ['check', 'config', 'deploy/prometheus/prometheus.compose.yml'], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      assert.equal(check.status, 0, check.stdout + check.stderr);
    },
  );
});
