#!/usr/bin/env node
import { Command, Option } from 'commander';
import { isRole, ROLES, type Role } from '../domain/auth/roles.js';
import { loadConfig, SERVICE_NAMES, type Config, type ServiceName } from '../platform/config.js';
import { ConfigError } from '../platform/errors.js';
import { migrate } from '../platform/db/migrate.js';
import { openDatabase } from '../platform/db/open.js';
import { createPlatform } from '../platform/platform.js';
import { buildAccounts } from '../services/auth/accounts-factory.js';
import { ensureBootstrapAdmin } from '../services/auth/bootstrap.js';
import { shutdownOnSignals, startServices } from '../services/stack.js';
import { randomBytes } from 'node:crypto';

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`acgs: invalid configuration: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

async function run(names: readonly ServiceName[], portOverride: number | null): Promise<void> {
  const config = configOrExit();
  const started = performance.now();
  const shutdown = shutdownOnSignals((message) => console.log(message));
  const platform = await createPlatform(config);
  const admin = await ensureBootstrapAdmin(platform);
  const ports = portOverride === null ? {} : { [names[0]!]: portOverride };
  const stack = await startServices(platform, names, ports);
  shutdown.attach(stack);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const backend = config.database.kind === 'postgres' ? 'PostgreSQL' : config.database.dataDir === null ? 'PGlite (in memory)' : `PGlite (${config.database.dataDir})`;
  console.log(`\nACGS-PGP ready in ${seconds}s — database: ${backend}, cache: ${platform.cache.backend}\n`);
  console.log('  service     url                          docs');
  for (const service of stack.services) console.log(`  ${service.name.padEnd(11)} ${service.url.padEnd(28)} ${service.url}/docs`);
  if (admin !== null) {
    console.log(`\n  Bootstrap admin created: ${admin.email}`);
    if (admin.generatedPassword !== null) console.log(`  Password (shown once; change it or set ACGS_ADMIN_PASSWORD): ${admin.generatedPassword}`);
  }
  console.log('');
}

const program = new Command('acgs').description('ACGS-PGP: AI constitutional governance platform').version('0.1.0');

program
  .command('up')
  .description('run all six services in one process (embedded PGlite unless DATABASE_URL is set)')
  .action(() => run(SERVICE_NAMES, null));

program
  .command('serve')
  .description('run one service in this process')
  .addArgument(new Command().createArgument('service', 'auth | ac | integrity | fv | gs | pgc').choices(SERVICE_NAMES))
  .addOption(new Option('--port <port>', 'port to listen on (default from <SERVICE>_PORT)').argParser((value) => {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${value}`);
    return port;
  }))
  .action((service: ServiceName, options: { port?: number }) => run([service], options.port ?? null));

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const db = await openDatabase(configOrExit());
    try {
      const applied = await migrate(db);
      console.log(applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`);
    } finally {
      await db.close();
    }
  });

const user = program.command('user').description('manage users');
user
  .command('create')
  .description('create a user; prints a generated password when none is given')
  .requiredOption('--email <email>', 'login email')
  .addOption(new Option('--role <role...>', 'one or more roles').choices(ROLES as unknown as string[]).default([]))
  .option('--full-name <name>', 'display name')
  .option('--password <password>', 'password (else generated); prefer ACGS_NEW_USER_PASSWORD to keep it out of shell history')
  .action(async (options: { email: string; role: string[]; fullName?: string; password?: string }) => {
    const platform = await createPlatform(configOrExit());
    try {
      const given = options.password ?? process.env['ACGS_NEW_USER_PASSWORD'];
      const password = given ?? randomBytes(18).toString('base64url');
      const roles = options.role.filter(isRole) as Role[];
      const created = await buildAccounts(platform).register({ email: options.email, password, fullName: options.fullName ?? options.email, roles });
      console.log(`created ${created.email} (${created.id}) roles: ${created.roles.join(', ') || 'none'}`);
      if (given === undefined) console.log(`password: ${password}`);
    } finally {
      await platform.close();
    }
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`acgs: invalid configuration: ${error.message}`);
  else console.error(`acgs: ${(error as Error).message}`);
  process.exit(1);
});
