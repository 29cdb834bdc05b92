import type { AccessTableRow } from './types.js';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type onRequestHookHandler,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { ServiceName } from '../config.js';
import { RateLimitedError } from '../../domain/errors.js';
import { createServiceMetrics, type ServiceMetrics } from '../metrics.js';
import type { Platform } from '../platform.js';
import { accessHook } from './access.js';
import { classify, errorBody, installErrorHandling } from './errors.js';
import { registerHealthRoute, type HealthContributor } from './health.js';
import { VERSION } from '../version.js';
import { maintenanceHook } from './maintenance.js';
import { OneLinePerRequest } from './request-log.js';
import { rejectUnacceptableInput } from './unstorable-strings.js';
import { clientAddress } from './client-address.js';
import { securityHeaders } from './security-headers.js';
import { ErrorBody } from './schemas.js';
import { createValidatorCompiler } from './validation.js';
import { answerUnparseableRequest } from './client-errors.js';
import { checkResponsesAgainstSchemas } from './response-check.js';
import { traceRequests } from './request-span.js';
import { tracingEnabled } from '../tracing.js';

/**
 * The app a service registers its routes on: handlers get request types from the route's TypeBox schemas, so a
 * handler never states its own request type and cannot drift from what is validated.
 */
export type ServiceApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ServiceDefinition {
  name: ServiceName;
  title: string;
  description: string;
  /** Registers the service's own routes; every route must declare config.access. */
  routes?: (app: ServiceApp, context: ServiceContext) => Promise<void> | void;
}

export interface ServiceContext {
  platform: Platform;
  metrics: ServiceMetrics;
}

const REQUEST_ID = /^[\w\-.:]{1,128}$/;

/** The caller's X-Request-Id when it is a plain token, else a fresh one: one rule for every listener of ours. */
export function requestIdFrom(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The one way a service becomes an HTTP server: shared security, limits, observability, errors and docs. */
export async function createServiceApp(definition: ServiceDefinition, platform: Platform): Promise<FastifyInstance> {
  const { config } = platform;
  const metrics = createServiceMetrics(definition.name, platform.db);
  const app = Fastify({
    loggerInstance: platform.logger.child({ service: definition.name }) as FastifyBaseLogger,
    logController: new OneLinePerRequest(),
    genReqId: requestIdFrom,
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false } },
    clientErrorHandler: (error, socket) => answerUnparseableRequest(error, socket, config.instanceId),
    // Errors the router raises before any route (or hook) is chosen: still our shape, id and headers.
    frameworkErrors: (error, request, reply) => {
      const { status, code, detail } = classify(error);
      void (reply as FastifyReply)
        .status(status)
        .headers({ 'x-request-id': request.id, 'x-instance-id': config.instanceId })
        .send(errorBody(request, code, detail ?? error.message));
    },
  });
  // Before every other hook, so they all run inside the request's span.
  if (tracingEnabled()) traceRequests(app, definition.name);
  app.setValidatorCompiler(createValidatorCompiler());
  app.decorateRequest('principal', null);
  app.decorateRequest('clientIp', '');
  // First of all hooks: the rate limit, the access check and every log line after it read the address from here.
  app.addHook('onRequest', async (request) => {
    request.clientIp = clientAddress(request, platform.consoleToken);
  });
  app.decorate('accessTable', [] as AccessTableRow[]);
  app.decorate('healthContributors', [] as HealthContributor[]);
  app.addSchema(ErrorBody);
  installErrorHandling(app, definition.name, metrics);
  if (config.http.checkResponses) checkResponsesAgainstSchemas(app);
  const releaseProcessMetrics = platform.processMetrics.claim(metrics.registry);
  app.addHook('onClose', async () => releaseProcessMetrics());

  app.addHook('preValidation', rejectUnacceptableInput);
  const security = securityHeaders({
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(security);
    reply.header('x-request-id', request.id);
    reply.header('x-instance-id', config.instanceId);
    done();
  });
  // Responses finished after shutdown began must not leave keep-alive sockets open for keepAliveTimeout (72 s); nor
  // may a connection a client opened and never sent a byte on (undici opens a fresh one when an earlier response's
  // body was left unread), which Node counts neither idle nor done. Used idle ones Fastify closes itself.
  let closing = false;
  const connections = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  app.addHook('preClose', async () => {
    closing = true;
    for (const socket of connections) if (socket.bytesRead === 0) socket.destroy();
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    const endpoint = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    const labels = { service: definition.name, method: request.method, endpoint };
    metrics.httpRequests.inc({ ...labels, status: String(reply.statusCode) });
    metrics.httpDuration.observe(labels, seconds);
  });

  await app.register(cors, {
    origin: config.http.corsOrigins.includes('*') ? true : config.http.corsOrigins,
    credentials: !config.http.corsOrigins.includes('*'),
    exposedHeaders: ['x-request-id', 'x-instance-id', 'retry-after'],
  });
  await app.register(cookie);
  if (config.http.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      global: true,
      max: config.http.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => request.clientIp,
      redis: platform.cache.redis ?? undefined,
      nameSpace: `${platform.cache.prefix}rl:${definition.name}:`,
      skipOnError: true,
      errorResponseBuilder: (_request, context) => new RateLimitedError(context.ttl / 1000),
    });
  }

  const maintenance = maintenanceHook(platform.maintenance);
  app.addHook('onRoute', (route) => {
    const routeConfig = (route.config ??= {});
    if (routeConfig.access === undefined) {
      if (!route.url.startsWith('/docs'))
        throw new Error(`Route ${String(route.method)} ${route.url} declares no access rule`);
      routeConfig.access = 'public';
    }
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') app.accessTable.push({ method, url: route.url, access: routeConfig.access });
    }
    // Public routes say so in the OpenAPI document: no credential is needed, whatever the global default.
    if (routeConfig.access === 'public' && route.schema !== undefined) route.schema = { ...route.schema, security: [] };
    const hooks: onRequestHookHandler[] = [accessHook(routeConfig.access, platform.authenticator, platform.csrf)];
    if (routeConfig.maintenanceExempt !== true) hooks.unshift(maintenance);
    const existing = route.onRequest;
    route.onRequest = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), ...hooks];
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: definition.title, description: definition.description, version: VERSION },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT or API key' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) =>
        typeof json['$id'] === 'string' ? json['$id'] : `def-${index}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  app.get(
    '/',
    {
      config: { access: 'public', rateLimit: false },
      schema: {
        tags: ['operations'],
        summary: 'Service information',
        response: {
          200: Type.Object({
            service: Type.String(),
            title: Type.String(),
            description: Type.String(),
            version: Type.String(),
            docs: Type.String(),
            health: Type.String(),
            metrics: Type.String(),
          }),
        },
      },
    },
    async () => ({
      service: definition.name,
      title: definition.title,
      description: definition.description,
      version: VERSION,
      docs: '/docs',
      health: '/health',
      metrics: '/metrics',
    }),
  );
  registerHealthRoute(app, platform, definition.name, metrics);
  app.get(
    '/metrics',
    {
      config: { access: 'public', rateLimit: false },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'Prometheus text exposition format' }) },
      },
    },
    async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  await definition.routes?.(app.withTypeProvider<TypeBoxTypeProvider>(), { platform, metrics });
  return app;
}
