import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/**
 * The headers the console listener (in the same process, `acgs up`) sets on what it relays: the browser's address,
 * and a secret made at start-up that only this process knows. Anyone else's copies are dropped by the listener.
 */
export const CONSOLE_CLIENT_HEADER = 'x-acgs-console-client';
export const CONSOLE_TOKEN_HEADER = 'x-acgs-console-token';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The address limits, lockout, logs and audit entries attribute a request to: the socket's peer, or a proxy's
 * X-Forwarded-For only where ACGS_TRUST_PROXY trusts that proxy (Fastify's `request.ip`). A request the console
 * listener relayed names its browser's address, believed only with this process's console token over loopback — so
 * the console never makes loopback a trusted proxy, and a made-up header changes nothing.
 */
export function clientAddress(request: FastifyRequest, consoleToken: string): string {
  const token = request.headers[CONSOLE_TOKEN_HEADER];
  const relayed = request.headers[CONSOLE_CLIENT_HEADER];
  if (
    typeof token === 'string' &&
    typeof relayed === 'string' &&
    relayed !== '' &&
    LOOPBACK.has(request.socket.remoteAddress ?? '') &&
    token.length === consoleToken.length &&
    timingSafeEqual(Buffer.from(token), Buffer.from(consoleToken))
  )
    return relayed;
  return request.ip;
}
