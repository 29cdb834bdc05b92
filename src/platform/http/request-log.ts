import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

const PROBES = new Set(['/health', '/metrics', '/nginx_health']);

/** Fastify logs two lines per request by default; operators grep one line carrying id, route, status and latency. */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(_error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // Probes (load balancers, Prometheus, doctor) come every few seconds: their lines would bury every other one.
    const probe = PROBES.has(request.routeOptions.url ?? '') && reply.statusCode < 400;
    request.log[probe ? 'debug' : 'info'](
      {
        req_id: request.id,
        method: request.method,
        url: request.url,
        endpoint: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        latency_ms: Math.round(reply.elapsedTime * 1000) / 1000,
        ip: request.clientIp,
      },
      'request',
    );
  }
}
