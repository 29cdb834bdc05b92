import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { CONSOLE_CLIENT_HEADER, CONSOLE_TOKEN_HEADER } from '../../platform/http/client-address.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) end at this proxy; the rest pass through unchanged. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

function forwardedHeaders(incoming: IncomingMessage, consoleToken: string): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  // The services believe the browser's address from these two headers only (client-address.ts); a browser's own
  // copies are overwritten. X-Forwarded-For is replaced too, not extended, for whatever reads it downstream.
  headers[CONSOLE_CLIENT_HEADER] = incoming.socket.remoteAddress ?? '';
  headers[CONSOLE_TOKEN_HEADER] = consoleToken;
  headers['x-forwarded-for'] = incoming.socket.remoteAddress ?? '';
  headers['x-forwarded-proto'] = 'http';
  if (incoming.headers.host !== undefined) headers['x-forwarded-host'] = incoming.headers.host;
  return headers;
}

/**
 * Streams one request to `target` (a service's base URL) and its answer back. Resolves false when the service could
 * not be reached before anything was sent, so the caller can answer in the platform's error shape.
 */
export function proxyRequest(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  target: URL,
  consoleToken: string,
): Promise<boolean> {
  return new Promise((resolve) => {
    const upstream = httpRequest(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: forwardedHeaders(incoming, consoleToken),
      },
      (answer) => {
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
        }
        outgoing.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(outgoing);
        answer.on('end', () => resolve(true));
        answer.on('error', () => {
          outgoing.destroy();
          resolve(true);
        });
      },
    );
    upstream.on('error', () => {
      if (outgoing.headersSent) {
        outgoing.destroy();
        resolve(true);
      } else resolve(false);
    });
    // A client that goes away stops the upstream request too (a long MCP stream, a slow verification).
    outgoing.on('close', () => {
      if (!outgoing.writableFinished) upstream.destroy();
    });
    incoming.pipe(upstream);
  });
}
