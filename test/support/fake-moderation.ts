import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Stands in for a remote moderation provider (unreachable from here) and speaks its wire protocol over HTTP:
 * POST /v1/moderations {model, input} → {results: [{flagged, categories}]}. "slow" in the input delays past timeouts;
 * "unavailable" answers 503, as an overloaded provider does.
 */
export function fakeModerationServer(): Promise<{
  server: Server;
  url: string;
  requests: { model: string; input: string }[];
}> {
  const requests: { model: string; input: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (
        request.method !== 'POST' ||
        request.url !== '/v1/moderations' ||
        request.headers.authorization !== 'Bearer moderation-key'
      ) {
        response.writeHead(request.url === '/v1/moderations' ? 401 : 404).end();
        return;
      }
      const parsed = JSON.parse(body) as { model: string; input: string };
      requests.push(parsed);
      const categories = {
        violence: parsed.input.includes('attack'),
        'self-harm/intent': parsed.input.includes('hurt myself'),
        hate: false,
        'sexual/minors': false,
      };
      const answer = () =>
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'modr-1',
            model: parsed.model,
            results: [{ flagged: Object.values(categories).some(Boolean), categories }],
          }),
        );
      if (parsed.input.includes('unavailable')) response.writeHead(503).end();
      else if (parsed.input.includes('slow')) setTimeout(answer, 500);
      else answer();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests }),
    ),
  );
}
