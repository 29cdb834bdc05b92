import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ErrorCode } from '../../domain/errors.js';
import type { ServiceName } from '../../platform/config.js';
import { statusOf } from '../../platform/http/errors.js';
import { requestIdFrom } from '../../platform/http/server.js';
import { BASE_ROUTES, SERVICE_PATH_PREFIXES } from '../../services/routing.js';
import { CONSOLE_SECURITY_HEADERS } from './content-security.js';
import { proxyRequest } from './proxy.js';
import { openStaticFile, resolveStaticFile } from './static-files.js';

/** Where `npm run build` writes the console, relative to this module in src/ and in dist/ alike. */
export const BUILT_CONSOLE_DIR = fileURLToPath(new URL('../../../dist/console/', import.meta.url));

export interface ConsoleServerOptions {
  host: string;
  port: number;
  /** The built console (index.html and assets/). */
  staticDir: string;
  /** Base URL of each service the console's API calls go to. */
  services: Readonly<Record<ServiceName, string>>;
  /** The signing keys the browser may accept signatures from (ACGS_TRUSTED_KEY_FINGERPRINTS); null: trust on first use. */
  trustedKeyFingerprints: readonly string[] | null;
  /** The operator's trace UI (ACGS_TRACE_URL_TEMPLATE): a decision page links its trace there. */
  traceUrlTemplate: string | null;
  /** The services' process secret (Platform.consoleToken): it makes the browser's address count, nothing else does. */
  consoleToken: string;
}

/** What the app reads at start: served by the console listener and written into the nginx gateway's config alike. */
export const CONSOLE_CONFIG_PATH = '/console-config.json';

export function consoleConfig(trustedKeyFingerprints: readonly string[] | null, traceUrlTemplate: string | null) {
  return { trusted_key_fingerprints: trustedKeyFingerprints, trace_url_template: traceUrlTemplate };
}

export interface RunningConsole {
  url: string;
  close(): Promise<void>;
}

/** The base routes a page may reach as `/<service>/<route>` (the about page links docs; metrics stay internal). */
const PER_SERVICE_ROUTES = BASE_ROUTES.filter((route) => route === '/health' || route === '/docs');

/**
 * The service an API path belongs to, by the same prefix table the nginx gateway routes with, and the path to ask
 * it for; `/<service>/health` and `/<service>/docs…` reach that service's own base routes.
 */
export function serviceForPath(path: string): { service: ServiceName; path: string } | null {
  const [, first, ...rest] = path.split('/');
  if (first !== undefined && Object.hasOwn(SERVICE_PATH_PREFIXES, first)) {
    const base = `/${rest.join('/')}`;
    if (PER_SERVICE_ROUTES.some((route) => base === route || base.startsWith(`${route}/`)))
      return { service: first as ServiceName, path: base };
  }
  for (const [service, prefixes] of Object.entries(SERVICE_PATH_PREFIXES) as [ServiceName, readonly string[]][]) {
    if (prefixes.some((prefix) => path.startsWith(prefix))) return { service, path };
  }
  return null;
}

function sendError(response: ServerResponse, code: ErrorCode, detail: string, requestId: string): void {
  const body = JSON.stringify({ detail, error_code: code, timestamp: new Date().toISOString(), request_id: requestId });
  response.writeHead(statusOf(code), {
    ...CONSOLE_SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'x-request-id': requestId,
    ...(code === 'SERVICE_UNAVAILABLE' ? { 'retry-after': '5' } : {}),
  });
  response.end(body);
}

async function serveStatic(root: string, request: IncomingMessage, response: ServerResponse, requestId: string) {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendError(response, 'NOT_FOUND', `No route ${request.method} ${request.url}`, requestId);
    return;
  }
  const path = new URL(request.url ?? '/', 'http://console').pathname;
  const file = await resolveStaticFile(root, path);
  if (file === null) {
    sendError(response, 'NOT_FOUND', `No console file at ${path}`, requestId);
    return;
  }
  response.writeHead(200, {
    ...CONSOLE_SECURITY_HEADERS,
    'content-type': file.contentType,
    'content-length': String(file.stats.size),
    'cache-control': file.cacheControl,
    'x-request-id': requestId,
  });
  if (request.method === 'HEAD') response.end();
  else openStaticFile(file).pipe(response);
}

/** The console's listener: the built app, and every API path proxied to its service, all on one origin. */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<RunningConsole> {
  const targets = Object.fromEntries(
    Object.entries(options.services).map(([name, url]) => [name, new URL(url)]),
  ) as Record<ServiceName, URL>;
  const configBody = JSON.stringify(consoleConfig(options.trustedKeyFingerprints, options.traceUrlTemplate));
  const server: Server = createServer((request, response) => {
    const requestId = requestIdFrom(request);
    request.headers['x-request-id'] = requestId;
    const rawPath = (request.url ?? '/').split('?')[0]!;
    if (rawPath === CONSOLE_CONFIG_PATH && (request.method === 'GET' || request.method === 'HEAD')) {
      response.writeHead(200, {
        ...CONSOLE_SECURITY_HEADERS,
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-cache',
        'x-request-id': requestId,
      });
      response.end(request.method === 'HEAD' ? undefined : configBody);
      return;
    }
    const route = serviceForPath(rawPath);
    if (route === null) {
      serveStatic(options.staticDir, request, response, requestId).catch(() =>
        sendError(response, 'INTERNAL_ERROR', 'The console file could not be read', requestId),
      );
      return;
    }
    if (route.path !== rawPath) request.url = route.path + (request.url ?? '').slice(rawPath.length);
    void proxyRequest(request, response, targets[route.service], options.consoleToken).then((reached) => {
      if (!reached)
        sendError(response, 'SERVICE_UNAVAILABLE', `The ${route.service} service is unreachable`, requestId);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
