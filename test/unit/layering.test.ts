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

/**
 * Every relative import of every source file, as [importer, imported], both relative to src/: import and export
 * statements, and inline `import('…')` types.
 */
const imports = sources(SRC).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from |import\()'(\.{1,2}\/[^']+)'/g)].map(
    ([, target]) => [relative(SRC, file), relative(SRC, resolve(dirname(file), target!))] as const,
  ),
);

const offending = (from: RegExp, to: RegExp) =>
  imports.filter(([importer, imported]) => from.test(importer) && to.test(imported)).map(([a, b]) => `${a} → ${b}`);

describe('layering (docs/architecture.md)', () => {
  it('reads the imports', () => assert.ok(imports.length > 300, `${imports.length} imports`));
  it('no module reaches itself through its imports (types included): each cycle named', () => {
    const next = new Map<string, string[]>();
    for (const [importer, imported] of imports)
      next.set(importer, [...(next.get(importer) ?? []), imported.replace(/\.js$/, '.ts')]);
    const cycles = new Set<string>();
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.add([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const imported of next.get(file) ?? []) visit(imported, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of next.keys()) visit(file, []);
    assert.deepEqual([...cycles], []);
  });
  it('the domain imports nothing from the platform, the services, the CLI or operations', () => {
    assert.deepEqual(offending(/^domain\//, /^(platform|services|cli|operations|sdk)\//), []);
  });
  it('the platform imports no service', () => {
    assert.deepEqual(offending(/^platform\//, /^(services|cli|operations)\//), []);
  });
  it('services depend one way: pgc and fv may use integrity, gs integrity and ac, the others use no other service', () => {
    const crossing = imports
      .filter(([importer, imported]) => {
        const from = /^services\/(\w+)\//.exec(importer)?.[1];
        const to = /^services\/(\w+)\//.exec(imported)?.[1];
        const allowed =
          ((from === 'pgc' || from === 'fv') && to === 'integrity') ||
          (from === 'gs' && (to === 'integrity' || to === 'ac'));
        return from !== undefined && to !== undefined && from !== to && !allowed;
      })
      .map(([a, b]) => `${a} → ${b}`);
    assert.deepEqual(crossing, []);
  });
  it('the SDK uses the domain only, so agents embed no server code', () => {
    assert.deepEqual(offending(/^sdk\//, /^(platform|services|cli|operations)\//), []);
  });
  it('the console (web/src) imports only its own modules and its npm packages: no server code, no Node built-ins', () => {
    const WEB = resolve(new URL('../../web/src/', import.meta.url).pathname);
    const files = readdirSync(WEB, { recursive: true, encoding: 'utf8' }).filter((name) => /\.tsx?$/.test(name));
    assert.ok(files.length > 20, `${files.length} console files`);
    const strays = files.flatMap((name) =>
      [...readFileSync(join(WEB, name), 'utf8').matchAll(/(?:from |import\()'([^']+)'/g)]
        .map(([, target]) => target!)
        .filter((target) =>
          target.startsWith('.')
            ? !resolve(dirname(join(WEB, name)), target).startsWith(WEB)
            : target.startsWith('node:'),
        )
        .map((target) => `${name} → ${target}`),
    );
    assert.deepEqual(strays, []);
  });
});

const SERVICES = readdirSync(join(SRC, 'services')).filter((entry) =>
  statSync(join(SRC, 'services', entry)).isDirectory(),
);
const serviceFiles = (service: string) => sources(join(SRC, 'services', service)).map((file) => relative(SRC, file));
/** The HTTP layer of a service: its entry and its route files. */
const httpLayer = () =>
  SERVICES.flatMap((service) =>
    serviceFiles(service).filter((file) => file.endsWith(`${service}/index.ts`) || file.includes('/routes/')),
  );

describe('the service shape (docs/architecture.md)', () => {
  it('finds the services', () => assert.deepEqual(SERVICES.sort(), ['ac', 'auth', 'fv', 'gs', 'integrity', 'pgc']));
  it('each service has one entry, index.ts, exporting register<Name>Service, and its routes under routes/', () => {
    for (const service of SERVICES) {
      const entry = readFileSync(join(SRC, 'services', service, 'index.ts'), 'utf8');
      const name = service.charAt(0).toUpperCase() + service.slice(1);
      assert.match(entry, new RegExp(`export (async )?function register${name}Service\\(`), service);
      const registering = serviceFiles(service).filter(
        (file) =>
          !file.includes('/routes/') &&
          /\bapp\.(get|post|put|patch|delete)\(/.test(readFileSync(join(SRC, file), 'utf8')),
      );
      assert.deepEqual(registering, [], `${service}: routes outside routes/`);
    }
  });
  it('no SQL in handlers: entries and route files reach the database only through stores', () => {
    const withSql = httpLayer().filter((file) =>
      /\.query\s*[<(]|\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\s/.test(readFileSync(join(SRC, file), 'utf8')),
    );
    assert.deepEqual(withSql, []);
  });
  it('handlers take their request types from the route schemas (TypeBox type provider), never hand-written generics', () => {
    const generic = sources(join(SRC, 'services'))
      .filter((file) => /\bapp\.(get|post|put|patch|delete|route)</.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    assert.deepEqual(generic, []);
  });
});
