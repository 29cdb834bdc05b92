import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SERVICE_NAMES, type ServiceName } from '../../src/platform/config.js';
import { createTestApp, createTestPlatform, type TestPlatform } from '../support/harness.js';

interface Operation {
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

describe('every route of every service declares its success response', () => {
  let env: TestPlatform;
  const apps = new Map<ServiceName, FastifyInstance>();

  before(async () => {
    env = await createTestPlatform('pglite');
    for (const service of SERVICE_NAMES) apps.set(service, await createTestApp(service, env.platform));
  });
  after(async () => {
    for (const app of apps.values()) await app.close();
    await env.cleanup();
  });

  it('has a 2xx response with a schema in /docs/json for each route (so schema-driven clients can check outputs)', async () => {
    const undeclared: string[] = [];
    let operations = 0;
    for (const [service, app] of apps) {
      const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{
        paths: Record<string, Record<string, Operation>>;
      }>();
      for (const [path, methods] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(methods)) {
          operations += 1;
          const success = Object.entries(operation.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
          // 204 No Content declares an empty body; every other success must say what its body is.
          const declared = success.some(([status, response]) =>
            status === '204' ? true : Object.values(response.content ?? {}).some((media) => media.schema !== undefined),
          );
          if (!declared) undeclared.push(`${service} ${method.toUpperCase()} ${path}`);
        }
      }
    }
    assert.ok(operations >= 90, `${operations} operations`);
    assert.deepEqual(undeclared, []);
  });
});
