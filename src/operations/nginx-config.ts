import type { ErrorCode } from '../domain/errors.js';
import { DEFAULT_PORTS, SERVICE_NAMES, type ServiceName } from '../platform/config.js';
import { LLM_PATH, MCP_PATH, SERVICE_PATH_PREFIXES } from '../services/routing.js';
import { CONSOLE_SECURITY_HEADERS } from './console/content-security.js';
import { CONSOLE_CONFIG_PATH, consoleConfig } from './console/server.js';
import { ASSET_EXTENSIONS } from './console/static-files.js';

export interface GatewayTopology {
  /** Port the gateway listens on, routing by path to every service. */
  listenPort: number;
  /**
   * Ports on which the gateway stands in for one service each: everything sent there goes to that service's
   * instances (plus /nginx_health), so clients and runbooks that address a service by its port (the operations
   * guide's `curl localhost:8000/health` … `8005/health`) reach it through the gateway unchanged.
   */
  servicePorts?: Readonly<Partial<Record<ServiceName, number>>>;
  /** host:port of every instance of each service. */
  instances: Readonly<Record<ServiceName, readonly string[]>>;
  /** Per client IP: login/register/refresh, and everything under /api/. */
  authRatePerMinute: number;
  apiRatePerMinute: number;
  /**
   * The web console at `/`: the built files (a path relative to nginx's prefix, or absolute) and the fingerprints
   * the browser may trust; absent, `/` answers 404 as any unknown path.
   */
  console?: { root: string; trustedKeyFingerprints: readonly string[] | null; traceUrlTemplate: string | null };
}

/** `standard` (each service's default port), `auth=8000,ac=8001,…`, or empty for none; null if malformed. */
export function parseServicePorts(spec: string): Partial<Record<ServiceName, number>> | null {
  if (spec.trim() === '') return {};
  if (spec.trim() === 'standard') return { ...DEFAULT_PORTS };
  const ports: Partial<Record<ServiceName, number>> = {};
  for (const item of spec.split(',')) {
    const [service, port] = item.trim().split('=', 2);
    if (!(SERVICE_NAMES as readonly string[]).includes(service ?? '') || port === undefined || !/^\d{1,5}$/.test(port))
      return null;
    ports[service as ServiceName] = Number(port);
  }
  return ports;
}

const HOST_PORT = /^[A-Za-z0-9._-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/;

/** A problem with a topology, phrased for the operator who typed it. */
export function topologyProblems(topology: GatewayTopology): string[] {
  const problems: string[] = [];
  for (const service of SERVICE_NAMES) {
    const instances = topology.instances[service];
    if (instances.length === 0) problems.push(`${service}: needs at least one instance`);
    for (const instance of instances)
      if (!HOST_PORT.test(instance)) problems.push(`${service}: "${instance}" is not host:port`);
  }
  const ports = [topology.listenPort, ...Object.values(topology.servicePorts ?? {})];
  for (const port of ports)
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`listen port ${port} is not a port`);
  if (new Set(ports).size !== ports.length)
    problems.push(`listen ports ${ports.join(', ')} must differ from each other`);
  for (const [name, rate] of [
    ['auth rate', topology.authRatePerMinute],
    ['api rate', topology.apiRatePerMinute],
  ] as const) {
    if (!Number.isInteger(rate) || rate < 1) problems.push(`${name} ${rate} is not a positive whole number per minute`);
  }
  return problems;
}

// A location with add_header of its own inherits none from the server, so these go everywhere headers are added.
const SECURITY_HEADERS = [
  'add_header X-Request-Id $acgs_request_id always;',
  'add_header X-Content-Type-Options nosniff always;',
  'add_header X-Frame-Options DENY always;',
  'add_header Referrer-Policy no-referrer always;',
  'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;',
];

// Error bodies in the platform's standard shape, so clients handle gateway and service errors alike.
function errorBody(status: number, code: ErrorCode, detail: string, retryAfterSeconds: number | null): string {
  const headers =
    retryAfterSeconds === null ? [] : [...SECURITY_HEADERS, `add_header Retry-After ${retryAfterSeconds} always;`];
  return [
    'default_type application/json;',
    ...headers,
    `return ${status} '{"detail":"${detail}","error_code":"${code}","timestamp":"$time_iso8601","request_id":"$acgs_request_id"}';`,
  ].join('\n      ');
}

/**
 * The console's locations: its files under the strict CSP, page routes answered with index.html, a missing asset
 * (a path with a file extension) with the standard 404 — never with HTML a browser would try to run — and the
 * configuration the app reads at start. Page paths may end in a dot and digits (policy ids), so only the file types
 * the build emits count as assets.
 */
function consoleLocations(console: NonNullable<GatewayTopology['console']>): string[] {
  if (!/^[^\s;{}'"]+$/.test(console.root)) throw new Error(`console root "${console.root}" is not a plain path`);
  const csp = `add_header Content-Security-Policy "${CONSOLE_SECURITY_HEADERS['content-security-policy']}" always;`;
  // The gateway's http block maps no file types; the browser runs module scripts only with a JavaScript type.
  const types = 'types { text/html html; text/javascript js; text/css css; application/json json; image/svg+xml svg; }';
  const headers = (cache: string) =>
    [types, ...SECURITY_HEADERS, csp, `add_header Cache-Control "${cache}" always;`].join('\n      ');
  const missing = errorBody(404, 'NOT_FOUND', 'No console file at this path', null);
  return [
    `    location = ${CONSOLE_CONFIG_PATH} {\n      default_type application/json;\n      ${headers('no-cache')}\n      return 200 '${JSON.stringify(consoleConfig(console.trustedKeyFingerprints, console.traceUrlTemplate))}';\n    }`,
    `    location /assets/ {\n      root ${console.root};\n      ${headers('public, max-age=31536000, immutable')}\n      try_files $uri @console_missing;\n    }`,
    `    location / {\n      root ${console.root};\n      ${headers('no-cache')}\n      try_files $uri @console_page;\n    }`,
    `    location @console_page {\n      root ${console.root};\n      default_type application/json;\n      ${headers('no-cache')}\n      if ($uri ~* "\\.(${ASSET_EXTENSIONS.join('|')})$") {\n        return 404 '{"detail":"No console file at this path","error_code":"NOT_FOUND","timestamp":"$time_iso8601","request_id":"$acgs_request_id"}';\n      }\n      rewrite ^ /index.html break;\n    }`,
    `    location @console_missing {\n      ${missing}\n    }`,
    // An API path no service owns is an API client's mistake, not a page: the standard 404, not index.html.
    `    location /api/ {\n      ${errorBody(404, 'NOT_FOUND', 'No service answers this path at the gateway', null)}\n    }`,
  ];
}

const upstreamName = (service: ServiceName) => `${service}_service_upstream`;

function upstream(service: ServiceName, instances: readonly string[]): string {
  const servers = instances.map((instance) => `    server ${instance} max_fails=3 fail_timeout=30s;`).join('\n');
  return `  upstream ${upstreamName(service)} {\n    least_conn;\n${servers}\n    keepalive 32;\n  }`;
}

/**
 * MCP sessions live in the PGC instance that opened them: requests carrying a session id go to the instance its hash
 * picks, so a session stays on one instance while the set of instances does not change.
 */
const MCP_UPSTREAM = 'pgc_mcp_upstream';
function mcpUpstream(instances: readonly string[]): string {
  const servers = instances.map((instance) => `    server ${instance} max_fails=3 fail_timeout=30s;`).join('\n');
  return `  upstream ${MCP_UPSTREAM} {\n    hash $http_mcp_session_id consistent;\n${servers}\n    keepalive 32;\n  }`;
}

// Streamable HTTP answers with server-sent events that stay open while a tool call (or an approval) is pending.
const MCP_LOCATION = `    location /mcp {
      limit_req zone=api burst=%BURST% nodelay;
      proxy_pass http://${MCP_UPSTREAM};
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 1h;
      # A retried POST would send a tool call twice.
      proxy_next_upstream off;
    }`;

// A model may think for minutes, and a streamed answer is passed on as it comes; a retried POST would ask (and bill)
// the model twice.
const LLM_LOCATION = `    location ${LLM_PATH} {
      limit_req zone=api burst=%BURST% nodelay;
      proxy_pass http://${upstreamName('pgc')};
      proxy_buffering off;
      proxy_read_timeout 10m;
      proxy_next_upstream off;
    }`;

function proxy(service: ServiceName, path = ''): string {
  return `proxy_pass http://${upstreamName(service)}${path};`;
}

/** One server block: the shared proxy settings, headers, error pages and /nginx_health, then its own locations. */
function server(port: number, locations: readonly string[]): string {
  return `  server {
    listen ${port};

    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Request-Id $acgs_request_id;
    proxy_connect_timeout 2s;
    proxy_read_timeout 60s;
    # A stopped instance refuses the connection before the request is sent: try the next one, even for POST.
    proxy_next_upstream error timeout http_502 http_503;
    proxy_next_upstream_tries 3;

    ${SECURITY_HEADERS.join('\n    ')}
    # The services set these too; one copy, the gateway's, reaches the client.
    ${SECURITY_HEADERS.map((line) => `proxy_hide_header ${line.split(' ')[1]};`).join('\n    ')}

    # Errors nginx itself produces (proxied responses pass through untouched).
    error_page 429 = @rate_limited;
    error_page 502 504 = @unavailable;

    location = /nginx_health {
      access_log off;
      default_type application/json;
      return 200 '{"status":"healthy","service":"nginx_gateway","timestamp":"$time_iso8601"}';
    }

${locations.join('\n')}

    location @rate_limited {
      ${errorBody(429, 'RATE_LIMITED', 'Too many requests from this address; retry in a minute', 60)}
    }
    # Every instance of the service is down or unreachable: the maintenance answer, not a bare 502.
    location @unavailable {
      ${errorBody(503, 'SERVICE_UNAVAILABLE', 'The service is unavailable or in maintenance; retry shortly', 30)}
    }
  }`;
}

/**
 * The gateway's nginx.conf for a topology. Paths (pid, logs, temp files) are relative to nginx's prefix (`-p`),
 * so the same file runs as a packaged service or from a scratch directory.
 */
export function renderNginxConfig(topology: GatewayTopology): string {
  const problems = topologyProblems(topology);
  if (problems.length > 0) throw new Error(`invalid gateway topology: ${problems.join('; ')}`);
  // A burst of rate-1 lets exactly `rate` requests through at once and refuses the next within the minute.
  const authBurst = topology.authRatePerMinute - 1;
  const apiBurst = topology.apiRatePerMinute - 1;
  const apiLocations = SERVICE_NAMES.filter((service) => service !== 'auth').flatMap((service) =>
    SERVICE_PATH_PREFIXES[service].map((prefix) =>
      prefix === MCP_PATH
        ? MCP_LOCATION.replace('%BURST%', String(apiBurst))
        : prefix === LLM_PATH
          ? LLM_LOCATION.replace('%BURST%', String(apiBurst))
          : `    location ${prefix} {\n      limit_req zone=api burst=${apiBurst} nodelay;\n      ${proxy(service)}\n    }`,
    ),
  );
  const authLimited = `    location ~ ^/auth/(login|register|refresh)$ {\n      limit_req zone=auth burst=${authBurst} nodelay;\n      ${proxy('auth')}\n    }`;
  const authLocations = [authLimited, `    location /auth/ {\n      ${proxy('auth')}\n    }`];
  const notFound =
    topology.console === undefined
      ? [
          `    location / {\n      ${errorBody(404, 'NOT_FOUND', 'No service answers this path at the gateway', null)}\n    }`,
        ]
      : consoleLocations(topology.console);
  const perService = SERVICE_NAMES.flatMap((service) => [
    `    location = /metrics/${service} { ${proxy(service, '/metrics')} }`,
    ...(service === 'auth' ? [] : [`    location = /${service}/health { ${proxy(service, '/health')} }`]),
  ]);
  return `# ACGS-PGP gateway, rendered by \`acgs gateway config\`. Edit the topology, not this file.
worker_processes auto;
# Each proxied request holds two connections (client and upstream) in one worker, and clients do not spread evenly
# over workers: at 1,024 a worker reset clients from ~500 concurrent connections on. Descriptors to match.
worker_rlimit_nofile 32768;
pid logs/nginx.pid;
error_log logs/error.log warn;

events {
  worker_connections 16384;
}

http {
  client_body_temp_path tmp/client_body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  server_tokens off;
  client_max_body_size 2m;

  # One request id end to end: the client's if it sent one, else nginx's own.
  map $http_x_request_id $acgs_request_id {
    default $http_x_request_id;
    "" $request_id;
  }
  log_format acgs '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent $request_time '
                  'upstream=$upstream_addr upstream_status=$upstream_status request_id=$acgs_request_id';
  access_log logs/access.log acgs;

  limit_req_zone $binary_remote_addr zone=auth:10m rate=${topology.authRatePerMinute}r/m;
  limit_req_zone $binary_remote_addr zone=api:10m rate=${topology.apiRatePerMinute}r/m;
  limit_req_status 429;

${SERVICE_NAMES.map((service) => upstream(service, topology.instances[service])).join('\n\n')}

${mcpUpstream(topology.instances.pgc)}

  # Every service by path.
${server(topology.listenPort, [...authLocations, ...apiLocations, ...perService, ...notFound])}
${SERVICE_NAMES.filter((service) => topology.servicePorts?.[service] !== undefined)
  .map(
    (service) => `
  # Port ${topology.servicePorts![service]} stands in for the ${service} service: every path goes to it.
${server(topology.servicePorts![service]!, [...(service === 'auth' ? [authLimited] : []), `    location /api/ {\n      limit_req zone=api burst=${apiBurst} nodelay;\n      ${proxy(service)}\n    }`, `    location / {\n      ${proxy(service)}\n    }`])}`,
  )
  .join('\n')}
}
`;
}
