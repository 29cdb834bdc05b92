import { stringify } from 'yaml';
import { DEFAULT_PORTS, SERVICE_NAMES, type ServiceName } from '../platform/config.js';
import { renderNginxConfig } from './nginx-config.js';

/**
 * The deployment manifests, as data: docker-compose (container names as in the operations guide) and Kubernetes.
 * `acgs deployment render` writes them; a test parses the written files and checks every variable they give our
 * containers is one the config reads and every port and path they probe is served.
 */

const IMAGE = 'acgs-pgp:0.1.0';
const GATEWAY_PORT = 8080;
/** Where the gateway container finds the built console (npm run build's dist/console, mounted read-only). */
const COMPOSE_CONSOLE_ROOT = '/usr/share/acgs/console';

/** A container of ours: one service, one instance. */
interface Instance {
  name: string;
  service: ServiceName;
}

// Two auth instances, as in the guide's gateway upstream; one of every other service.
const COMPOSE_INSTANCES: readonly Instance[] = [
  { name: 'auth_service', service: 'auth' },
  { name: 'auth_service_2', service: 'auth' },
  ...SERVICE_NAMES.filter((service) => service !== 'auth').map((service) => ({ name: `${service}_service`, service })),
];

const upper = (service: ServiceName) => service.toUpperCase();

/** What every container of ours gets, minus credentials; `host` names the service's address in that deployment. */
function sharedEnvironment(
  host: (service: ServiceName) => string,
  redisUrl: string,
  trustedProxies: string,
): Record<string, string> {
  return {
    ENVIRONMENT: 'production',
    ACGS_HOST: '0.0.0.0',
    DATABASE_POOL_SIZE: '20',
    DATABASE_MAX_OVERFLOW: '30',
    DATABASE_POOL_TIMEOUT: '30',
    REDIS_URL: redisUrl,
    CACHE_TTL: '300',
    ACGS_TRUST_PROXY: trustedProxies,
    ACGS_SLOW_QUERY_MS: '200',
    LOG_LEVEL: 'info',
    ...Object.fromEntries(
      SERVICE_NAMES.flatMap((service) => [
        [`${upper(service)}_PORT`, String(DEFAULT_PORTS[service])],
        [`${upper(service)}_SERVICE_URL`, `http://${host(service)}:${DEFAULT_PORTS[service]}`],
      ]),
    ),
  };
}

// DATABASE_URL carries the database password, so it travels with the secrets.
const SECRET_VARIABLES = [
  'DATABASE_URL',
  'AUTH_SERVICE_SECRET_KEY',
  'AUTH_SERVICE_CSRF_SECRET_KEY',
  'ACGS_SIGNING_KEY_PASSPHRASE',
  'ACGS_ADMIN_EMAIL',
  'ACGS_ADMIN_PASSWORD',
] as const;

const healthCommand = (port: number) => [
  'CMD',
  'node',
  '-e',
  `fetch('http://127.0.0.1:${port}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
];

/** The gateway config for the compose topology (container names as upstream hosts). */
export function composeNginxConfig(): string {
  const instances = Object.fromEntries(
    SERVICE_NAMES.map((service) => [
      service,
      COMPOSE_INSTANCES.filter((instance) => instance.service === service).map(
        (instance) => `${instance.name}:${DEFAULT_PORTS[service]}`,
      ),
    ]),
  ) as Record<ServiceName, string[]>;
  // The gateway also holds the services' own ports on the host, so the operations guide's commands reach it as written.
  return renderNginxConfig({
    listenPort: GATEWAY_PORT,
    servicePorts: DEFAULT_PORTS,
    instances,
    authRatePerMinute: 10,
    apiRatePerMinute: 100,
    console: { root: COMPOSE_CONSOLE_ROOT, trustedKeyFingerprints: null, traceUrlTemplate: null },
  });
}

/** Prometheus for the compose topology: every instance of ours, by container name. */
export function composePrometheusConfig(): string {
  return `# Prometheus for docker-compose.yml, rendered by \`acgs deployment render\`; rules as deploy/prometheus/prometheus.yml.
${stringify({
  global: { scrape_interval: '15s', evaluation_interval: '15s' },
  rule_files: ['rules/*.yml'],
  alerting: { alertmanagers: [{ static_configs: [{ targets: ['alertmanager:9093'] }] }] },
  scrape_configs: [
    {
      job_name: 'acgs-services',
      metrics_path: '/metrics',
      static_configs: [
        { targets: COMPOSE_INSTANCES.map((instance) => `${instance.name}:${DEFAULT_PORTS[instance.service]}`) },
      ],
    },
  ],
})}`;
}

export function dockerCompose(): string {
  const environment = sharedEnvironment(
    (service) => `${service}_service`,
    'redis://redis:6379/0',
    '172.16.0.0/12,192.168.0.0/16,10.0.0.0/8',
  );
  const secrets = {
    ...Object.fromEntries(SECRET_VARIABLES.map((name) => [name, `\${${name}:?set ${name} in .env}`])),
    DATABASE_URL:
      'postgres://acgs_user:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}@postgres_db:5432/acgs_pgp_db',
  };
  const ours = Object.fromEntries(
    COMPOSE_INSTANCES.map((instance) => {
      const port = DEFAULT_PORTS[instance.service];
      return [
        instance.name,
        {
          image: IMAGE,
          build: '.',
          container_name: `acgs_${instance.name}`,
          command: ['node', 'dist/cli/main.js', 'serve', instance.service],
          environment: { ...environment, ...secrets, ACGS_INSTANCE_ID: instance.name },
          depends_on: { postgres_db: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } },
          healthcheck: { test: healthCommand(port), interval: '10s', timeout: '3s', retries: 5, start_period: '20s' },
          restart: 'unless-stopped',
        },
      ];
    }),
  );
  const document = {
    name: 'acgs-pgp',
    services: {
      postgres_db: {
        image: 'postgres:15',
        container_name: 'acgs_postgres_db',
        environment: {
          POSTGRES_USER: 'acgs_user',
          POSTGRES_PASSWORD: '${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}',
          POSTGRES_DB: 'acgs_pgp_db',
        },
        command: ['postgres', '-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'max_connections=200'],
        volumes: ['postgres_data:/var/lib/postgresql/data'],
        healthcheck: {
          test: ['CMD', 'pg_isready', '-U', 'acgs_user', '-d', 'acgs_pgp_db'],
          interval: '5s',
          timeout: '3s',
          retries: 10,
        },
        restart: 'unless-stopped',
      },
      redis: {
        image: 'redis:7',
        container_name: 'acgs_redis',
        healthcheck: { test: ['CMD', 'redis-cli', 'ping'], interval: '5s', timeout: '3s', retries: 10 },
        restart: 'unless-stopped',
      },
      ...ours,
      nginx_gateway: {
        image: 'nginx:1.25',
        container_name: 'acgs_nginx_gateway',
        command: [
          'sh',
          '-c',
          "mkdir -p /var/cache/acgs-gateway/logs /var/cache/acgs-gateway/tmp && exec nginx -p /var/cache/acgs-gateway -c /etc/nginx/acgs/nginx.conf -g 'daemon off;'",
        ],
        volumes: [
          './deploy/nginx/nginx.compose.conf:/etc/nginx/acgs/nginx.conf:ro',
          `./dist/console:${COMPOSE_CONSOLE_ROOT}:ro`,
        ],
        // The guide's curl localhost:800X/… lands on the gateway, which spreads it over that service's instances.
        ports: [GATEWAY_PORT, ...SERVICE_NAMES.map((service) => DEFAULT_PORTS[service])].map(
          (port) => `${port}:${port}`,
        ),
        depends_on: COMPOSE_INSTANCES.map((instance) => instance.name),
        healthcheck: {
          test: ['CMD', 'curl', '-fs', `http://127.0.0.1:${GATEWAY_PORT}/nginx_health`],
          interval: '10s',
          timeout: '3s',
          retries: 5,
        },
        restart: 'unless-stopped',
      },
      prometheus: {
        image: 'prom/prometheus:v2.53.0',
        container_name: 'acgs_prometheus',
        volumes: [
          './deploy/prometheus/prometheus.compose.yml:/etc/prometheus/prometheus.yml:ro',
          './deploy/prometheus/rules:/etc/prometheus/rules:ro',
        ],
        ports: ['9090:9090'],
        healthcheck: {
          test: ['CMD', 'wget', '-qO-', 'http://127.0.0.1:9090/-/healthy'],
          interval: '10s',
          timeout: '3s',
          retries: 5,
        },
        restart: 'unless-stopped',
      },
      alertmanager: {
        image: 'prom/alertmanager:v0.27.0',
        container_name: 'acgs_alertmanager',
        // Rendered from deploy/alertmanager/alertmanager.yml with envsubst first (see docs/operations.md).
        volumes: ['./deploy/alertmanager/alertmanager.rendered.yml:/etc/alertmanager/alertmanager.yml:ro'],
        ports: ['9093:9093'],
        restart: 'unless-stopped',
      },
      grafana: {
        image: 'grafana/grafana:10.4.2',
        container_name: 'acgs_grafana',
        environment: {
          GF_SECURITY_ADMIN_PASSWORD: '${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD in .env}',
          PROMETHEUS_URL: 'http://prometheus:9090',
        },
        volumes: [
          './deploy/grafana/provisioning:/etc/grafana/provisioning:ro',
          './deploy/grafana/dashboards:/var/lib/grafana/dashboards/acgs:ro',
        ],
        ports: ['3001:3000'],
        healthcheck: {
          test: ['CMD', 'wget', '-qO-', 'http://127.0.0.1:3000/api/health'],
          interval: '10s',
          timeout: '3s',
          retries: 5,
        },
        restart: 'unless-stopped',
      },
    },
    volumes: { postgres_data: {} },
  };
  return `# ACGS-PGP on docker compose, rendered by \`acgs deployment render\`. Put POSTGRES_PASSWORD, the secrets and
# GRAFANA_ADMIN_PASSWORD in .env. Services publish 8000-8005, the gateway 8080, Prometheus 9090, Grafana 3001.
${stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

const NAMESPACE = 'acgs';
const labelsOf = (service: ServiceName) => ({
  'app.kubernetes.io/name': `acgs-${service}`,
  'app.kubernetes.io/part-of': 'acgs-pgp',
});

export function kubernetesManifests(): string {
  const host = (service: ServiceName) => `acgs-${service}.${NAMESPACE}.svc.cluster.local`;
  const documents: object[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'acgs-config', namespace: NAMESPACE },
      data: sharedEnvironment(host, 'redis://acgs-redis.acgs.svc.cluster.local:6379/0', '10.0.0.0/8'),
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'acgs-secrets',
        namespace: NAMESPACE,
        annotations: {
          'acgs.io/fill-in':
            'every value (DATABASE_URL e.g. postgres://acgs_user:PASSWORD@acgs-postgres.acgs.svc.cluster.local:5432/acgs_pgp_db); the services refuse to start in production without them',
        },
      },
      type: 'Opaque',
      stringData: Object.fromEntries(SECRET_VARIABLES.map((name) => [name, ''])),
    },
  ];
  for (const service of SERVICE_NAMES) {
    const port = DEFAULT_PORTS[service];
    const name = `acgs-${service}`;
    const labels = labelsOf(service);
    documents.push(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: NAMESPACE, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              securityContext: { runAsNonRoot: true, runAsUser: 1000 },
              containers: [
                {
                  name: service,
                  image: IMAGE,
                  args: ['node', 'dist/cli/main.js', 'serve', service],
                  ports: [{ name: 'http', containerPort: port }],
                  envFrom: [{ configMapRef: { name: 'acgs-config' } }, { secretRef: { name: 'acgs-secrets' } }],
                  env: [{ name: 'ACGS_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
                  startupProbe: { httpGet: { path: '/health', port }, periodSeconds: 2, failureThreshold: 30 },
                  readinessProbe: { httpGet: { path: '/health', port }, periodSeconds: 5, failureThreshold: 2 },
                  // A database outage makes /health 503: readiness takes the pod out of rotation, but restarting every
                  // pod would not bring the database back, so liveness only asks whether the process still listens.
                  livenessProbe: { tcpSocket: { port }, periodSeconds: 10, failureThreshold: 3 },
                  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
                },
              ],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: NAMESPACE, labels },
        spec: { selector: labels, ports: [{ name: 'http', port, targetPort: port }] },
      },
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name, namespace: NAMESPACE },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: 2,
          maxReplicas: 10,
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
          ],
        },
      },
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name, namespace: NAMESPACE },
        spec: { minAvailable: 1, selector: { matchLabels: labels } },
      },
    );
  }
  return `# ACGS-PGP on Kubernetes, rendered by \`acgs deployment render\`: per service a Deployment (probes on /health),
# Service, HPA on CPU and PodDisruptionBudget; the env contract in ConfigMap acgs-config and Secret acgs-secrets.
# PostgreSQL (acgs-postgres) and Redis (acgs-redis) are expected as Services in the namespace.
${documents.map((document) => stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n')}`;
}

/** Every file `acgs deployment render` writes, by path from the repository root. */
export function deploymentFiles(): Record<string, string> {
  return {
    'docker-compose.yml': dockerCompose(),
    'deploy/kubernetes/acgs.yaml': kubernetesManifests(),
    'deploy/nginx/nginx.compose.conf': composeNginxConfig(),
    'deploy/prometheus/prometheus.compose.yml': composePrometheusConfig(),
  };
}
