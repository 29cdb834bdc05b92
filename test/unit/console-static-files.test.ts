import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveStaticFile } from '../../src/operations/console/static-files.js';
import { serviceForPath } from '../../src/operations/console/server.js';

// What the console listener serves for a path: files of the build only, index.html for page routes, and nothing
// for a missing asset or a path that tries to leave the build directory.
describe('console listener paths', () => {
  const parent = mkdtempSync(join(tmpdir(), 'acgs-static-'));
  const root = join(parent, 'console');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  writeFileSync(join(root, 'assets', 'app-1.js'), 'export {}');
  writeFileSync(join(parent, 'secret.txt'), 'not for the browser');
  after(() => rmSync(parent, { recursive: true, force: true }));

  it('serves build files with their types and caching, and index.html for page routes', async () => {
    const script = await resolveStaticFile(root, '/assets/app-1.js');
    assert.equal(script?.contentType, 'text/javascript; charset=utf-8');
    assert.match(script?.cacheControl ?? '', /immutable/);
    for (const page of ['/', '/council', '/council/3f1c', '/policies/no-pii-to-external-channels.1', '/decisions/'])
      assert.equal((await resolveStaticFile(root, page))?.path, join(root, 'index.html'), page);
    assert.equal((await resolveStaticFile(root, '/'))?.cacheControl, 'no-cache');
  });

  it('answers nothing for missing assets and for paths that leave the build', async () => {
    for (const path of [
      '/assets/gone.js',
      '/assets/gone',
      '/styles.css',
      '/logo.PNG',
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/%00index.html',
      '/%E0%A4%A',
    ])
      assert.equal(await resolveStaticFile(root, path), null, path);
  });

  it('routes API paths to their services, and /<service>/health and /docs to that service', () => {
    assert.deepEqual(serviceForPath('/auth/login'), { service: 'auth', path: '/auth/login' });
    assert.deepEqual(serviceForPath('/api/v1/constitutional-council/amendments'), {
      service: 'ac',
      path: '/api/v1/constitutional-council/amendments',
    });
    assert.deepEqual(serviceForPath('/api/v1/enforcement/simulate'), {
      service: 'pgc',
      path: '/api/v1/enforcement/simulate',
    });
    assert.deepEqual(serviceForPath('/pgc/health'), { service: 'pgc', path: '/health' });
    assert.deepEqual(serviceForPath('/auth/docs/json'), { service: 'auth', path: '/docs/json' });
    assert.equal(serviceForPath('/pgc/metrics'), null, 'metrics stay internal');
    assert.equal(serviceForPath('/council/42'), null);
    assert.equal(serviceForPath('/constructor/health'), null);
  });
});
