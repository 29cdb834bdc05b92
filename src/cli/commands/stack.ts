import { Command, Option } from 'commander';
import { SERVICE_NAMES, type ServiceName } from '../../platform/config.js';
import { migrate } from '../../platform/db/migrate.js';
import { createPlatform, type Platform } from '../../platform/platform.js';
import { ensureBootstrapAdmin } from '../../services/auth/bootstrap.js';
import { shutdownOnSignals, startServices, type RunningStack } from '../../services/stack.js';
import { BUILT_CONSOLE_DIR, startConsoleServer, type RunningConsole } from '../../operations/console/server.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { configOrExit, withDatabase } from '../with-platform.js';
import { startTracing } from '../../platform/tracing.js';

async function startConsole(platform: Platform, services: RunningStack): Promise<RunningConsole> {
  const { config } = platform;
  const staticDir = config.console.dir ?? BUILT_CONSOLE_DIR;
  if (!existsSync(join(staticDir, 'index.html')))
    console.error(`console: no index.html in ${staticDir} (npm run build makes it); only API paths are served there`);
  return startConsoleServer({
    host: config.host,
    port: config.console.port,
    staticDir,
    trustedKeyFingerprints: config.enforcement.trustedKeyFingerprints,
    traceUrlTemplate: config.console.traceUrlTemplate,
    consoleToken: platform.consoleToken,
    services: Object.fromEntries(services.services.map((service) => [service.name, service.url])) as Record<
      ServiceName,
      string
    >,
  });
}
async function run(names: readonly ServiceName[], portOverride: number | null, withConsole: boolean): Promise<void> {
  const config = configOrExit();
  const started = performance.now();
  const shutdown = shutdownOnSignals((message) => console.log(message));
  // Before the platform, so its logger stamps lines with the span they were logged in.
  const tracing = await startTracing(names.length === 1 ? `acgs-${names[0]}` : 'acgs');
  const platform = await createPlatform(config);
  const admin = await ensureBootstrapAdmin(platform);
  const ports = portOverride === null ? {} : { [names[0]!]: portOverride };
  const services = await startServices(platform, names, ports);
  const consoleServer = withConsole
    ? await startConsole(platform, services).catch(async (error: unknown) => {
        await services.close();
        throw error;
      })
    : null;
  const stack: RunningStack = {
    services: services.services,
    close: async () => {
      await consoleServer?.close();
      await services.close();
      await tracing?.shutdown();
    },
  };
  shutdown.attach(stack);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const backend =
    config.database.kind === 'postgres'
      ? 'PostgreSQL'
      : config.database.dataDir === null
        ? 'PGlite (in memory)'
        : `PGlite (${config.database.dataDir})`;
  console.log(`\nACGS-PGP ready in ${seconds}s — database: ${backend}, cache: ${platform.cache.backend}\n`);
  console.log('  service     url                          docs');
  for (const service of stack.services)
    console.log(`  ${service.name.padEnd(11)} ${service.url.padEnd(28)} ${service.url}/docs`);
  if (consoleServer !== null) console.log(`\n  console     ${consoleServer.url}`);
  if (admin !== null) {
    console.log(`\n  Bootstrap admin created: ${admin.email}`);
    if (admin.generatedPassword !== null)
      console.log(`  Password (shown once; change it or set ACGS_ADMIN_PASSWORD): ${admin.generatedPassword}`);
  }
  console.log('');
}

/** Up, serve and migrate: the services, started or prepared. */
export function registerStackCommands(program: Command): void {
  program
    .command('up')
    .description('run all six services in one process (embedded PGlite unless DATABASE_URL is set)')
    .action(() => run(SERVICE_NAMES, null, true));
  program
    .command('serve')
    .description('run one service in this process')
    .addArgument(
      new Command().createArgument('service', 'auth | ac | integrity | fv | gs | pgc').choices(SERVICE_NAMES),
    )
    .addOption(
      new Option('--port <port>', 'port to listen on (default from <SERVICE>_PORT)').argParser((value) => {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${value}`);
        return port;
      }),
    )
    .action((service: ServiceName, options: { port?: number }) => run([service], options.port ?? null, false));
  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(async () => {
      await withDatabase(async (db) => {
        const applied = await migrate(db);
        console.log(applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`);
      });
    });
}
