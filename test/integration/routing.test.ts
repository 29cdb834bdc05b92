import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderNginxConfig, topologyProblems } from '../../src/operations/nginx-config.js';
import { DEFAULT_PORTS, SERVICE_NAMES, type ServiceName } from '../../src/platform/config.js';
import { BASE_ROUTES, SERVICE_PATH_PREFIXES } from '../../src/services/routing.js';
import { createTestApp, createTestPlatform, cleanupAfter } from '../support/harness.js';

const defaultTopology = {
  listenPort: 8080,
  instances: Object.fromEntries(
    SERVICE_NAMES.map((service) => [service, [`127.0.0.1:${DEFAULT_PORTS[service]}`]]),
  ) as Record<ServiceName, string[]>,
  authRatePerMinute: 10,
  apiRatePerMinute: 100,
  console: { root: 'console', trustedKeyFingerprints: null, traceUrlTemplate: null },
};

describe('gateway routing table', () => {
  it('every route a service registers lies under its own prefixes (so the gateway sends it to its owner) or is a base route', async (t) => {
    const env = await createTestPlatform('pglite');
    cleanupAfter(t, () => env.cleanup());
    for (const service of SERVICE_NAMES) {
      const app = await createTestApp(service, env.platform);
      const strays = app.accessTable
        .map((row) => row.url)
        .filter(
          (url) =>
            !BASE_ROUTES.includes(url) &&
            !url.startsWith('/docs') &&
            !SERVICE_PATH_PREFIXES[service].some((prefix) => url.startsWith(prefix)),
        );
      await app.close();
      assert.deepEqual(strays, [], `${service} serves paths outside its gateway prefixes`);
    }
  });

  it('the shipped deploy/nginx/nginx.conf is what `acgs gateway config` renders for the default topology', () => {
    assert.equal(
      readFileSync(new URL('../../deploy/nginx/nginx.conf', import.meta.url), 'utf8'),
      renderNginxConfig(defaultTopology),
    );
  });

  it('refuses topologies nginx would choke on, naming each problem', () => {
    const problems = topologyProblems({
      ...defaultTopology,
      listenPort: 0,
      instances: { ...defaultTopology.instances, auth: [], pgc: ['pgc; evil'] },
      apiRatePerMinute: 0,
    });
    assert.deepEqual(problems, [
      'auth: needs at least one instance',
      'pgc: "pgc; evil" is not host:port',
      'listen port 0 is not a port',
      'api rate 0 is not a positive whole number per minute',
    ]);
    assert.throws(() => renderNginxConfig({ ...defaultTopology, listenPort: 0 }), /listen port 0/);
  });
});
