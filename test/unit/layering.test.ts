import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const SRC = resolve(new URL('../../src/', import.meta.url).pathname);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import of every source file, as [importer, imported], both relative to src/. */
const imports = sources(SRC).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)].map(
    ([, target]) => [relative(SRC, file), relative(SRC, resolve(dirname(file), target!))] as const,
  ),
);

const offending = (from: RegExp, to: RegExp) =>
  imports.filter(([importer, imported]) => from.test(importer) && to.test(imported)).map(([a, b]) => `${a} → ${b}`);

describe('layering (docs/architecture.md)', () => {
  it('reads the imports', () => assert.ok(imports.length > 300, `${imports.length} imports`));
  it('the domain imports nothing from the platform, the services, the CLI or operations', () => {
    assert.deepEqual(offending(/^domain\//, /^(platform|services|cli|operations|sdk)\//), []);
  });
  it('the platform imports no service', () => {
    assert.deepEqual(offending(/^platform\//, /^(services|cli|operations)\//), []);
  });
  it('services depend one way: pgc may use integrity, integrity and the others use no other service', () => {
    const crossing = imports
      .filter(([importer, imported]) => {
        const from = /^services\/(\w+)\//.exec(importer)?.[1];
        const to = /^services\/(\w+)\//.exec(imported)?.[1];
        return from !== undefined && to !== undefined && from !== to && !(from === 'pgc' && to === 'integrity');
      })
      .map(([a, b]) => `${a} → ${b}`);
    assert.deepEqual(crossing, []);
  });
  it('the SDK uses the domain only, so agents embed no server code', () => {
    assert.deepEqual(offending(/^sdk\//, /^(platform|services|cli|operations)\//), []);
  });
});
