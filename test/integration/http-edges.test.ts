import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp, createTestPlatform, type TestPlatform } from '../support/harness.js';

/** Sends raw bytes and returns the raw response, for requests no HTTP client would send. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString('utf8')));
    socket.on('end', () => resolve(response));
    socket.on('error', reject);
    socket.write(request);
  });
}

describe('HTTP edges: requests the parser refuses, and what the OpenAPI document says of public routes', () => {
  let env: TestPlatform;
  let app: FastifyInstance;
  let port: number;

  before(async () => {
    env = await createTestPlatform('pglite');
    app = await createTestApp('auth', env.platform);
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    await app.close();
    await env.cleanup();
  });

  const cases: [string, string, number, string][] = [
    [
      'a control character in a header',
      'GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n',
      400,
      'MALFORMED_REQUEST',
    ],
    [
      'a 2 MB header',
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2 * 1024 * 1024)}\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
    ],
    ['a broken request line', 'GARBAGE\r\n\r\n', 400, 'MALFORMED_REQUEST'],
  ];
  for (const [what, request, status, code] of cases) {
    it(`answers ${what} with ${status} in the standard error shape`, async () => {
      const response = await rawExchange(port, request);
      const [head, body] = response.split('\r\n\r\n');
      assert.match(head!, new RegExp(`^HTTP/1.1 ${status} `));
      assert.match(head!, /\r\nx-request-id: [0-9a-f-]{36}/);
      const parsed = JSON.parse(body!) as Record<string, string>;
      assert.deepEqual(Object.keys(parsed).sort(), ['detail', 'error_code', 'request_id', 'timestamp']);
      assert.equal(parsed['error_code'], code);
    });
  }

  it('marks public routes as needing no credential in /docs/json, and leaves protected ones under the global requirement', async () => {
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, { security?: unknown[] }>>;
      security: unknown[];
    }>();
    assert.ok(document.security.length > 0);
    for (const [path, method] of [
      ['/', 'get'],
      ['/health', 'get'],
      ['/metrics', 'get'],
      ['/auth/login', 'post'],
      ['/auth/register', 'post'],
    ] as const) {
      assert.deepEqual(document.paths[path]?.[method]?.security, [], `${method} ${path}`);
    }
    assert.equal(document.paths['/auth/me']?.['get']?.security, undefined);
  });

  it('exports acgs_service_calls_total for its database and cache from the first scrape, with no classifier configured', async () => {
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const target of ['database', 'cache']) {
      assert.match(
        metrics,
        new RegExp(
          `^acgs_service_calls_total\\{source="auth",target="${target}",status="error",service="auth"\\} 0$`,
          'm',
        ),
      );
    }
    await app.inject({ method: 'GET', url: '/health' });
    assert.match(
      (await app.inject({ method: 'GET', url: '/metrics' })).body,
      /^acgs_service_calls_total\{source="auth",target="database",status="ok",service="auth"\} 1$/m,
    );
  });
});

describe('HTTP edges: shutdown', () => {
  // A regression would hang close() for minutes: the case fails at its timeout instead.
  it(
    'closes at once with a connection open that never sent a request, and one idle after a response',
    { timeout: 30_000 },
    async () => {
      const env = await createTestPlatform('pglite');
      const app = await createTestApp('auth', env.platform);
      try {
        await app.listen({ port: 0, host: '127.0.0.1' });
        const port = (app.server.address() as { port: number }).port;
        // A keep-alive connection that served one request, and one a client opened ahead and has not used.
        const used = connect(port, '127.0.0.1');
        await new Promise<void>((resolve) => {
          used.once('data', () => resolve());
          used.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
        });
        const unused = connect(port, '127.0.0.1');
        await new Promise<void>((resolve) => unused.once('connect', () => resolve()));
        const closedBy = Promise.all([
          new Promise((resolve) => used.once('close', resolve)),
          new Promise((resolve) => unused.once('close', resolve)),
        ]);
        const started = Date.now();
        await app.close();
        await closedBy;
        // Without closing them, close() waits for the keep-alive timeout (72 s) on each such connection.
        assert.ok(Date.now() - started < 10_000, `close took ${Date.now() - started} ms`);
      } finally {
        await env.cleanup();
      }
    },
  );
});
