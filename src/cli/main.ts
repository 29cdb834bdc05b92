#!/usr/bin/env node
import { hostname, userInfo } from 'node:os';
import { Command, Option } from 'commander';
import { isRole, ROLES, type Role } from '../domain/auth/roles.js';
import { loadConfig, SERVICE_NAMES, type Config, type ServiceName } from '../platform/config.js';
import { ConfigError } from '../platform/errors.js';
import { AppError } from '../domain/errors.js';
import { migrate } from '../platform/db/migrate.js';
import { openDatabase } from '../platform/db/open.js';
import { createPlatform, type Platform } from '../platform/platform.js';
import type { Database } from '../platform/db/database.js';
import { buildAccounts } from '../services/auth/accounts-factory.js';
import { ensureBootstrapAdmin } from '../services/auth/bootstrap.js';
import { shutdownOnSignals, startServices, type RunningStack } from '../services/stack.js';
import { BUILT_CONSOLE_DIR, startConsoleServer, type RunningConsole } from '../operations/console/server.js';
import { DEFAULT_ADMIN_EMAIL, generatePassword } from '../domain/auth/password-policy.js';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { deploymentFiles } from '../operations/deployment.js';
import { DASHBOARDS, dashboardJson } from '../operations/grafana-dashboards.js';
import { formatDoctorTable, runDoctor } from '../operations/doctor.js';
import { backup, restore } from '../operations/backup.js';
import { progressBar, progressReporter } from './progress.js';
import { renderErrorCodesDoc } from '../operations/error-codes-doc.js';
import { renderConsoleContract } from '../operations/console-contract.js';
import { parseServicePorts, renderNginxConfig, topologyProblems } from '../operations/nginx-config.js';
import { decide, type EvaluationRequest } from '../domain/enforcement/decide.js';
import { PolicyEngine } from '../domain/enforcement/engine.js';
import { BundleInvalidError, verifySignedBundle, type SignedBundle } from '../domain/policy/bundle.js';
import { policiesFromSource } from '../domain/policy/policy-files.js';
import { starterPolicies } from '../domain/synthesis/starter-bundle.js';
import { DemoFailed, runDemo } from './demo.js';
import { platformSigningKeys } from '../services/integrity/signing-keys.js';
import { signedByPlatformKey, verifyWithPlatformKeys } from '../services/integrity/signing-keys.js';
import { VerificationGate } from '../services/integrity/verification-gate.js';
import { ChangeSets } from '../services/integrity/change-sets.js';
import { BundleStore } from '../services/integrity/bundle-store.js';
import { proveEntry } from '../platform/audit/proof.js';
import { AuditReader } from '../platform/audit/reader.js';
import { verifyTreeHeads } from '../platform/audit/tree-heads.js';
import { verifyAuditTree } from '../platform/audit/verify.js';
import type { ConformanceReport } from '../domain/verify/conformance.js';
import type { ImpactAnswer } from '../domain/verify/questions.js';
import { queryFileName, type ExportedQuery } from '../domain/verify/smtlib.js';
import { holdSolverPool } from '../platform/solver/shared.js';
import type { JobKind } from '../services/fv/job-store.js';
import { Verifier } from '../services/fv/verifier.js';
import { OWNERS_READERS } from '../services/catalog.js';

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

/** Runs a command against the configured platform (database, cache, keys) and closes it however the command ends. */
async function withPlatform<T>(command: (platform: Platform) => Promise<T>): Promise<T> {
  const platform = await createPlatform(configOrExit());
  try {
    return await command(platform);
  } finally {
    await platform.close();
  }
}

/** Runs a command that needs only the database (no cache, no migrations run) and closes it afterwards. */
async function withDatabase<T>(command: (db: Database) => Promise<T>, config = configOrExit()): Promise<T> {
  const db = await openDatabase(config);
  try {
    return await command(db);
  } finally {
    await db.close();
  }
}

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

const program = new Command('acgs').description('ACGS-PGP: AI constitutional governance platform').version('0.1.0');

program
  .command('up')
  .description('run all six services in one process (embedded PGlite unless DATABASE_URL is set)')
  .action(() => run(SERVICE_NAMES, null, true));

program
  .command('serve')
  .description('run one service in this process')
  .addArgument(new Command().createArgument('service', 'auth | ac | integrity | fv | gs | pgc').choices(SERVICE_NAMES))
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

const user = program.command('user').description('manage users');
user
  .command('create')
  .description('create a user; prints a generated password when none is given')
  .requiredOption('--email <email>', 'login email')
  .addOption(new Option('--role <role...>', 'one or more roles').choices(ROLES as unknown as string[]).default([]))
  .option('--full-name <name>', 'display name')
  .option(
    '--password <password>',
    'password (else generated); prefer ACGS_NEW_USER_PASSWORD to keep it out of shell history',
  )
  .action(async (options: { email: string; role: string[]; fullName?: string; password?: string }) => {
    await withPlatform(async (platform) => {
      const given = options.password ?? process.env['ACGS_NEW_USER_PASSWORD'];
      const password = given ?? generatePassword(options.email);
      const roles = options.role.filter(isRole) as Role[];
      const created = await buildAccounts(platform).register({
        email: options.email,
        password,
        fullName: options.fullName ?? options.email,
        roles,
      });
      console.log(`created ${created.email} (${created.id}) roles: ${created.roles.join(', ') || 'none'}`);
      if (given === undefined) console.log(`password: ${password}`);
    });
  });

const bundle = program.command('bundle').description('policy bundles, signed with the platform OpenPGP key');
/** A command given what it cannot use: exit 64, like bad input elsewhere in the CLI. */
class UsageError extends Error {}

bundle
  .command('build')
  .description(
    'put Cedar files (default: the starter policies) into force as the whole bundle, through a verified change set the policy store records; PGlite: stop acgs up first',
  )
  .argument('[files...]', 'Cedar files; every policy needs @id and should carry @principle')
  .option('--from-active', 'rebuild from the bundle in force (repairs a policy store that disagrees with it)')
  .action(async (files: string[], options: { fromActive?: boolean }) => {
    try {
      await withPlatform(async (platform) => {
        let policies: Record<string, string> = { ...starterPolicies() };
        if (options.fromActive === true) {
          if (files.length > 0) throw new UsageError('give files or --from-active, not both');
          const active = await new BundleStore(platform.db).active();
          if (active === null) throw new UsageError('no bundle is active to rebuild from');
          policies = Object.fromEntries(active.bundle.policies.map((policy) => [policy.id, policy.text]));
        } else if (files.length > 0) {
          policies = {};
          for (const file of files) {
            for (const [id, text] of Object.entries(policiesFromSource(await readFile(file, 'utf8'), file))) {
              if (policies[id] !== undefined) throw new Error(`policy id "${id}" is defined in more than one file`);
              policies[id] = text;
            }
          }
        }
        // The same path as every other change to what is enforced: versions in the store, verified as one bundle
        // against the constitution in force, activated as one signed bundle.
        const gate = new VerificationGate(OWNERS_READERS.constitutions, platform.config.verification);
        try {
          await platformSigningKeys(platform).active();
          const { set, report } = await new ChangeSets(platform, gate, OWNERS_READERS.constitutions).rebuildFrom(
            policies,
            options.fromActive === true ? 'acgs bundle build --from-active' : 'acgs bundle build',
          );
          if (set.status !== 'active') {
            console.error(`acgs bundle build: ${set.reason ?? `change set ${set.id} is ${set.status}`}`);
            for (const problem of report.problems.slice(1)) console.error(`  ${problem}`);
            process.exit(1);
          }
          const signed = (await new BundleStore(platform.db).active())!;
          console.log(
            `activated bundle v${signed.bundle.version} ${signed.hash} (${signed.bundle.policies.length} policies, OpenPGP key ${signed.key_id})`,
          );
          console.log(
            `change set ${set.id}: ${set.put.length} version(s) put in force, ${set.remove.length} removed; constitution v${set.constitution_version} ${signed.bundle.constitution_hash}`,
          );
        } finally {
          await gate.close();
        }
      });
    } catch (error) {
      if (error instanceof UsageError) {
        console.error(`acgs bundle build: ${error.message}`);
        process.exit(64);
      }
      if (error instanceof BundleInvalidError) {
        for (const problem of error.problems)
          console.error(
            `${problem.policy_id ?? '?'}${problem.line === null ? '' : `:${problem.line}:${problem.column}`}: ${problem.message}`,
          );
        process.exit(1);
      }
      if (error instanceof AppError) {
        console.error(`acgs bundle build: ${error.message}`);
        process.exit(1);
      }
      throw error;
    }
  });

program
  .command('eval')
  .description(
    'decide one request (JSON from a file or stdin) against the active bundle or a signed bundle file; a dry run: nothing is logged',
  )
  .option('--file <file>', 'request JSON {principal, action, resource, context?, content?}; default stdin')
  .option('--bundle <file>', 'signed bundle JSON {bundle, hash, signature, key_id} instead of the active one')
  .action(async (options: { file?: string; bundle?: string }) => {
    const config = configOrExit();
    const text = options.file === undefined ? await readStdin() : await readFile(options.file, 'utf8');
    const request = JSON.parse(text) as EvaluationRequest;
    const { signed, verified } = await withDatabase(async (db) => {
      const bundle =
        options.bundle !== undefined
          ? (JSON.parse(await readFile(options.bundle, 'utf8')) as SignedBundle)
          : await new BundleStore(db).active();
      const valid =
        bundle !== null &&
        (await verifySignedBundle(
          bundle,
          async (bytes, signature) => (await verifyWithPlatformKeys(db, bytes, signature)).valid,
        ));
      return { signed: bundle, verified: valid };
    }, config);
    if (signed !== null && !verified)
      console.error(`bundle v${signed.bundle.version} is not signed by a platform key: failing closed`);
    const outcome = decide(verified ? new PolicyEngine(signed!.bundle, signed!.hash) : null, request);
    console.log(
      JSON.stringify(
        {
          decision: outcome.decision,
          reasons: outcome.reasons,
          obligations: outcome.obligations,
          findings: outcome.findings,
          context: outcome.context,
          bundle_hash: outcome.bundle_hash,
          constitution_hash: outcome.constitution_hash,
        },
        null,
        2,
      ),
    );
    process.exitCode = outcome.decision === 'allow' ? 0 : 3;
  });

const verify = program
  .command('verify')
  .description(
    'verify a bundle with Z3 against its constitution (docs/verification.md); exit 0 holds, 1 violated, 2 undecided',
  );

/** Runs one verification like the fv service's jobs do, prints it, and exits by its verdict. */
async function runVerification(
  kind: JobKind,
  request: Record<string, unknown>,
  output: { json?: boolean; smtlib?: string },
): Promise<void> {
  await withPlatform(async (platform) => {
    const { pool, release } = await holdSolverPool(platform.config.verification);
    const verifier = new Verifier(platform, pool, OWNERS_READERS.decisions);
    try {
      try {
        await verifier.validate(kind, request);
      } catch (error) {
        // Bad input is neither a verdict nor undecided: the usage exit code, not 1 or 2.
        if (!(error instanceof AppError)) throw error;
        console.error(`acgs verify: ${error.message}`);
        process.exitCode = 64;
        return;
      }
      process.stderr.write(`verifying (${kind})…\n`);
      const queries: ExportedQuery[] = [];
      // A line per stage, and on a terminal the solver calls counted in place as they happen.
      let stage = '';
      const outcome = await verifier.run(kind, request, {
        onQuery: output.smtlib === undefined ? undefined : (query) => queries.push(query),
        onProgress: (progress) => {
          if (progress.stage !== stage) {
            if (stage !== '' && process.stderr.isTTY) process.stderr.write('\n');
            stage = progress.stage;
            if (!process.stderr.isTTY) process.stderr.write(`  ${stage}…\n`);
          }
          if (process.stderr.isTTY) process.stderr.write(`\r  ${stage}: ${progress.solver_calls} solver calls`);
        },
      });
      if (stage !== '' && process.stderr.isTTY) process.stderr.write('\n');
      if (output.smtlib !== undefined) {
        await mkdir(output.smtlib, { recursive: true });
        for (const [index, query] of queries.entries())
          await writeFile(join(output.smtlib, queryFileName(index, query)), query.smtlib);
        process.stderr.write(`${queries.length} solver queries written to ${output.smtlib} as SMT-LIB2\n`);
      }
      if (output.json === true) console.log(JSON.stringify({ verdict: outcome.verdict, ...outcome.report }, null, 2));
      else {
        const against =
          typeof outcome.report['constitution_version'] === 'number'
            ? ` (bundle v${String(outcome.report['bundle_version'])} against constitution v${outcome.report['constitution_version']})`
            : '';
        console.log(`${kind}: ${outcome.verdict.toUpperCase()}${against}`);
        for (const line of describeReport(outcome.report)) console.log(`  ${line}`);
      }
      process.exitCode = outcome.verdict === 'holds' ? 0 : outcome.verdict === 'violated' ? 1 : 2;
    } finally {
      await release();
    }
  });
}

/** One line per finding of a report, with its first counterexample. */
function describeReport(report: Record<string, unknown>): string[] {
  const lines: string[] = [];
  const example = (list: unknown) => {
    const first = (list as { request: unknown }[] | undefined)?.[0];
    return first === undefined ? '' : ` e.g. ${JSON.stringify(first.request)}`;
  };
  const conformance = report['conformance'] as ConformanceReport | undefined;
  for (const finding of conformance?.constraints ?? [])
    lines.push(
      `${finding.verdict.padEnd(12)} ${finding.principle} #${finding.constraint} (${finding.effect})${finding.detail === null ? '' : `: ${finding.detail}`}${example(finding.counterexamples)}`,
    );
  const translation = (conformance?.translation ?? report['symbolic']) as ImpactAnswer | null | undefined;
  if (translation !== undefined && translation !== null) {
    lines.push(
      `${translation.verdict.padEnd(12)} ${conformance === undefined ? 'symbolic impact' : 'translation validation'}`,
    );
    if (translation.nowAllowed !== null)
      lines.push(`  newly allowed: ${JSON.stringify(translation.nowAllowed.request)}`);
    if (translation.nowDenied !== null) lines.push(`  newly denied: ${JSON.stringify(translation.nowDenied.request)}`);
  }
  const problems = report['problems'] as string[] | undefined;
  if (problems !== undefined)
    lines.push(
      problems.length === 0
        ? 'no problems: every constraint holds, and no policy errors, is vacuous or is shadowed'
        : `problems (${problems.length}):`,
      ...problems.map((problem) => `  ${problem}`),
    );
  for (const warning of (report['warnings'] as string[] | undefined) ?? []) lines.push(`warning: ${warning}`);
  const empirical = report['empirical'] as { replayed: number; flipped: number } | undefined;
  if (empirical !== undefined)
    lines.push(`recorded decisions: ${empirical.flipped} of ${empirical.replayed} would flip`);
  if (report['counterexamples'] !== undefined)
    lines.push(`${String(report['condition'])}${example(report['counterexamples'])}`);
  return lines;
}

const bundleVersionOption = (value: string) => {
  const version = Number(value);
  if (!Number.isInteger(version) || version < 1) throw new Error(`--bundle-version: not a version: ${value}`);
  return version;
};
/** `--constitution in-force|bundle|N` as the bundle job's request fields. */
const constitutionOption = (value: string): Record<string, unknown> => {
  if (value === 'in-force') return { constitution: 'in_force' };
  if (value === 'bundle') return { constitution: 'named' };
  const version = Number(value);
  if (!Number.isInteger(version) || version < 1)
    throw new Error(`--constitution: in-force, bundle or a version number, not ${value}`);
  return { constitution_version: version };
};
verify
  .command('bundle')
  .description(
    'conformance of the active (or given) bundle to every principle of the constitution in force (or the one given), translation validation and the policy checks',
  )
  .option('--bundle-version <n>', 'bundle version (default: the active one)', bundleVersionOption)
  .option(
    '--constitution <which>',
    'in-force (default: what fv /health and the console judge), bundle (the one the bundle names) or a version number',
    constitutionOption,
    { constitution: 'in_force' },
  )
  .option('--json', 'print the report as JSON')
  .option('--smtlib <dir>', 'write every solver query to DIR as an SMT-LIB2 script, to rerun with z3 or cvc5')
  .action(
    (options: { bundleVersion?: number; constitution: Record<string, unknown>; json?: boolean; smtlib?: string }) =>
      runVerification('bundle', { bundle_version: options.bundleVersion, ...options.constitution }, options),
  );
verify
  .command('policy')
  .description(
    'a Cedar policy file replacing the bundle policy of its @id (or, with --add, joining the bundle): conformance, policy checks and change impact',
  )
  .argument('<file>', 'one Cedar policy with @id')
  .option('--add', 'the policy is new: add it (an id the bundle already has is refused)')
  .option('--bundle-version <n>', 'bundle version (default: the active one)', bundleVersionOption)
  .option('--json', 'print the report as JSON')
  .option('--smtlib <dir>', 'write every solver query to DIR as an SMT-LIB2 script, to rerun with z3 or cvc5')
  .action(async (file: string, options: { add?: boolean; bundleVersion?: number; json?: boolean; smtlib?: string }) =>
    runVerification(
      'policy',
      {
        policy: { text: await readFile(file, 'utf8') },
        bundle_version: options.bundleVersion,
        mode: options.add === true ? 'add' : 'replace',
      },
      options,
    ),
  );
verify
  .command('property')
  .description('no request matching a Cedar condition is allowed (or, with --never deny, denied)')
  .requiredOption('--condition <cedar>', 'a condition as in a `when` clause')
  .addOption(
    new Option('--never <decision>', 'the decision no matching request may get')
      .choices(['allow', 'deny'])
      .default('allow'),
  )
  .option('--bundle-version <n>', 'bundle version (default: the active one)', bundleVersionOption)
  .option('--json', 'print the report as JSON')
  .option('--smtlib <dir>', 'write every solver query to DIR as an SMT-LIB2 script, to rerun with z3 or cvc5')
  .action((options: { condition: string; never: string; bundleVersion?: number; json?: boolean; smtlib?: string }) =>
    runVerification(
      'property',
      { condition: options.condition, never: options.never, bundle_version: options.bundleVersion },
      options,
    ),
  );
verify
  .command('impact')
  .description('change impact of removing policies (by id) and adding Cedar files: symbolic and on recorded decisions')
  .option('--remove <id...>', 'policy ids to take out', [])
  .option('--add <file...>', 'Cedar policy files to add or replace (by @id)', [])
  .option('--json', 'print the report as JSON')
  .option('--smtlib <dir>', 'write every solver query to DIR as an SMT-LIB2 script, to rerun with z3 or cvc5')
  .action(async (options: { remove: string[]; add: string[]; json?: boolean; smtlib?: string }) =>
    runVerification(
      'impact',
      {
        remove: options.remove,
        add: await Promise.all(options.add.map(async (file) => ({ text: await readFile(file, 'utf8') }))),
      },
      options,
    ),
  );

const mcp = program.command('mcp').description('the MCP gateway');
mcp
  .command('connect')
  .description(
    'serve MCP on stdin/stdout and forward every message to the gateway (for MCP clients that only spawn processes)',
  )
  .option('--url <url>', 'the gateway endpoint', 'http://127.0.0.1:8005/mcp')
  .option('--api-key-env <name>', 'the environment variable holding the agent API key', 'ACGS_API_KEY')
  .action(async (options: { url: string; apiKeyEnv: string }) => {
    const apiKey = process.env[options.apiKeyEnv];
    if (apiKey === undefined || apiKey === '') {
      console.error(`acgs mcp connect: set ${options.apiKeyEnv} to the agent's API key`);
      process.exit(2);
    }
    // Loaded here: every other command would pay for the MCP SDK's start-up otherwise.
    const { bridgeStdioToGateway } = await import('./mcp-bridge.js');
    await bridgeStdioToGateway(new URL(options.url), apiKey);
  });

const audit = program.command('audit').description('the Merkle audit log');
audit
  .command('verify')
  .description(
    'recompute the tree from every row, compare every stored hash and signed head; exit 1 naming every bad index',
  )
  .option('--json', 'print the report as JSON')
  .action(async (options: { json?: boolean }) => {
    await withDatabase(async (db) => {
      const started = performance.now();
      const report = await verifyAuditTree(db, (done, total) => {
        if (options.json !== true && process.stderr.isTTY) process.stderr.write(`\r${progressBar(done, total)}`);
      });
      if (options.json !== true && process.stderr.isTTY) process.stderr.write('\n');
      // Signatures and fields of every head; their roots against the rows are part of the report already.
      const heads = await verifyTreeHeads(db, signedByPlatformKey);
      const headCount = await new AuditReader(db).headCount();
      if (options.json === true)
        console.log(JSON.stringify({ ...report, signed_heads_checked: headCount, head_problems: heads }, null, 2));
      else {
        if (report.findings.length === 0 && heads.length === 0)
          console.log(
            `audit log OK: ${report.size} entries, root ${report.root}, ${headCount} signed heads consistent (${((performance.now() - started) / 1000).toFixed(2)} s)`,
          );
        for (const finding of report.findings)
          console.log(`audit log BROKEN at leaf ${finding.leaf_index ?? '?'}: ${finding.problem}`);
        for (const head of heads) console.log(`signed tree head at size ${head.tree_size} BROKEN: ${head.problem}`);
        // Acknowledged gaps never make the log OK silently: every run says what was lost, when and why.
        for (const gap of report.acknowledged_gaps) console.log(`acknowledged gap ${gap.id}: ${gap.problem}`);
      }
      process.exitCode = report.findings.length === 0 && heads.length === 0 ? 0 : 1;
    });
  });
audit
  .command('reanchor')
  .description(
    'acknowledge rows lost from the end of the audit log so it can go on recording, the gap kept on the record (docs/audit.md#recovery); prefer acgs restore when a backup has them',
  )
  .requiredOption('--reason <text>', 'why the rows are gone and why the log goes on without them (kept in the log)')
  .option('--by <name>', 'who acknowledges the gap (default: this user and host)')
  .action(async (options: { reason: string; by?: string }) => {
    await withPlatform(async (platform) => {
      const by = options.by ?? `${userInfo().username}@${hostname()}`;
      const { gap, entry } = await platform.audit.acknowledgeGap(options.reason, by);
      console.log(
        `gap acknowledged: leaves ${gap[0]}–${gap[1] - 1} are lost and stay listed by acgs audit verify; the log resumes at leaf ${entry.leaf_index} with the acknowledgement`,
      );
    });
  });
audit
  .command('prove')
  .description('print an inclusion proof for one entry, checkable by anyone (docs/audit.md)')
  .requiredOption('--index <n>', 'leaf index', (value) => Number.parseInt(value, 10))
  .option('--tree-size <n>', 'tree size to prove against (default: the current size)', (value) =>
    Number.parseInt(value, 10),
  )
  .action(async (options: { index: number; treeSize?: number }) => {
    await withDatabase(async (db) => {
      const reader = new AuditReader(db);
      const size = options.treeSize ?? (await reader.size());
      if (!Number.isInteger(options.index) || options.index < 0 || options.index >= size)
        throw new Error(`--index must be between 0 and ${size - 1}`);
      console.log(JSON.stringify(await proveEntry(reader, await reader.entryAt(options.index), size), null, 2));
    });
  });

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

program
  .command('errors')
  .description('the error code registry')
  .command('doc')
  .description('render docs/errors.md from the registry of error codes')
  .option('--out <file>', 'write to this file instead of stdout')
  .action(async (options: { out?: string }) => {
    const text = renderErrorCodesDoc();
    if (options.out === undefined) process.stdout.write(text);
    else await writeFile(options.out, text);
  });

program
  .command('console')
  .description('the web console')
  .command('contract')
  .description("render the console's API types (web/src/api/contract.ts) from the services' schemas")
  .option('--out <file>', 'write to this file instead of stdout')
  .action(async (options: { out?: string }) => {
    const text = renderConsoleContract();
    if (options.out === undefined) process.stdout.write(text);
    else await writeFile(options.out, text);
  });

const gateway = program.command('gateway').description('the nginx gateway in front of the services');
gateway
  .command('config')
  .description(
    'render nginx.conf for a topology (default: one instance of each service on this host, at its configured port)',
  )
  .option('--listen <port>', 'port the gateway listens on', '8080')
  .option(
    '--instances <service=host:port,...>',
    'instances of one service, e.g. auth=10.0.0.5:8000,10.0.0.6:8000 (repeatable)',
    (value: string, previous: string[]) => [...previous, value],
    [] as string[],
  )
  .option(
    '--service-ports <list>',
    'also listen on a port per service, each routing every path to that service: "standard" (8000–8005) or auth=8000,ac=8001,…',
    '',
  )
  .option('--auth-rate <n>', 'login/register/refresh requests per minute per client IP', '10')
  .option('--api-rate <n>', '/api/ requests per minute per client IP', '100')
  .option(
    '--console-root <dir>',
    "the built console (dist/console) served at /: absolute, or relative to nginx's prefix (-p)",
    'console',
  )
  .option('--no-console', 'serve no console: / answers 404 like any unknown path')
  .option('--out <file>', 'write to this file instead of stdout')
  .action(
    async (options: {
      listen: string;
      instances: string[];
      servicePorts: string;
      authRate: string;
      apiRate: string;
      consoleRoot: string;
      console: boolean;
      out?: string;
    }) => {
      const config = configOrExit();
      const instances = Object.fromEntries(
        SERVICE_NAMES.map((service) => [service, [`127.0.0.1:${config.ports[service]}`]]),
      ) as Record<ServiceName, string[]>;
      for (const spec of options.instances) {
        const [service, list] = spec.split('=', 2);
        if (!(SERVICE_NAMES as readonly string[]).includes(service ?? '') || list === undefined) {
          console.error(
            `--instances ${spec}: expected <service>=host:port[,host:port…] with service one of ${SERVICE_NAMES.join(', ')}`,
          );
          process.exit(2);
        }
        instances[service as ServiceName] = list.split(',').filter((item) => item !== '');
      }
      const servicePorts = parseServicePorts(options.servicePorts);
      if (servicePorts === null) {
        console.error(
          `--service-ports ${options.servicePorts}: expected "standard" or <service>=<port>[,…] with service one of ${SERVICE_NAMES.join(', ')}`,
        );
        process.exit(2);
      }
      const topology = {
        listenPort: Number(options.listen),
        servicePorts,
        instances,
        authRatePerMinute: Number(options.authRate),
        apiRatePerMinute: Number(options.apiRate),
        ...(options.console
          ? {
              console: {
                root: options.consoleRoot,
                trustedKeyFingerprints: config.enforcement.trustedKeyFingerprints,
              },
            }
          : {}),
      };
      const problems = topologyProblems(topology);
      if (problems.length > 0) {
        for (const problem of problems) console.error(problem);
        process.exit(2);
      }
      const text = renderNginxConfig(topology);
      if (options.out === undefined) process.stdout.write(text);
      else await writeFile(options.out, text);
    },
  );

program
  .command('backup')
  .description(
    'back up the database: pg_dump custom format for PostgreSQL, a data-directory tarball for PGlite (stop acgs up first)',
  )
  .requiredOption('--out <file>', 'where to write the backup')
  .action(async (options: { out: string }) => {
    const progress = progressReporter('backup');
    const result = await backup(configOrExit(), options.out, progress.report);
    progress.finish();
    console.log(`backup written to ${options.out}: ${result.format}, ${result.tables} tables, ${result.bytes} bytes`);
  });

program
  .command('restore')
  .description(
    'restore a backup made by acgs backup into the configured database (services stopped); then run acgs audit verify',
  )
  .argument('<file>', 'the backup file')
  .action(async (file: string) => {
    const progress = progressReporter('restore');
    const result = await restore(configOrExit(), file, progress.report);
    progress.finish();
    console.log(
      `restored ${result.tables} tables from ${file}${result.movedAside === null ? '' : `; the previous data directory is kept at ${result.movedAside}`}`,
    );
  });

program
  .command('demo')
  .description(
    'walk the governance loop on a running stack (acgs up): council, amendment, votes, synthesis, verification, second approval, enforcement, receipt',
  )
  .option('--admin-email <email>', 'the bootstrap admin (ACGS_ADMIN_EMAIL)')
  .action(async (options: { adminEmail?: string }) => {
    const config = configOrExit();
    const password = process.env['ACGS_ADMIN_PASSWORD'];
    if (password === undefined || password === '') {
      console.error('set ACGS_ADMIN_PASSWORD to the admin password acgs up printed (or was started with)');
      process.exit(2);
    }
    try {
      await runDemo({
        urls: config.serviceUrls,
        adminEmail: options.adminEmail ?? config.bootstrapAdmin.email ?? DEFAULT_ADMIN_EMAIL,
        adminPassword: password,
        say: (line) => console.log(line),
      });
    } catch (error) {
      if (!(error instanceof DemoFailed) && !(error instanceof TypeError)) throw error;
      console.error(`demo stopped: ${error.message}${error instanceof TypeError ? ' (is acgs up running?)' : ''}`);
      process.exitCode = 1;
    }
  });

program
  .command('doctor')
  .description("run the operations guide's diagnostics: a table of check, status and fix; exit 1 on any failure")
  .option('--json', 'print the checks as JSON')
  .action(async (options: { json?: boolean }) => {
    const checks = await runDoctor(configOrExit());
    process.stdout.write(
      options.json === true
        ? `${JSON.stringify({ ok: checks.every((check) => check.status !== 'fail'), checks }, null, 2)}\n`
        : formatDoctorTable(checks),
    );
    process.exitCode = checks.some((check) => check.status === 'fail') ? 1 : 0;
  });

program
  .command('deployment')
  .description('deployment manifests')
  .command('render')
  .description('write docker-compose.yml, deploy/kubernetes/acgs.yaml and the compose gateway and Prometheus configs')
  .option('--root <dir>', 'repository root to write under', '.')
  .action(async (options: { root: string }) => {
    for (const [path, text] of Object.entries(deploymentFiles())) {
      await mkdir(dirname(join(options.root, path)), { recursive: true });
      await writeFile(join(options.root, path), text);
      console.log(`wrote ${path}`);
    }
  });

program
  .command('grafana')
  .description('Grafana provisioning')
  .command('dashboards')
  .description('write the dashboards as Grafana JSON (deploy/grafana/dashboards is what this writes)')
  .requiredOption('--out <dir>', 'directory to write the dashboard files into')
  .action(async (options: { out: string }) => {
    await mkdir(options.out, { recursive: true });
    for (const dashboard of DASHBOARDS)
      await writeFile(join(options.out, dashboard.file), `${JSON.stringify(dashboardJson(dashboard), null, 2)}\n`);
    console.log(`wrote ${DASHBOARDS.map((dashboard) => dashboard.file).join(', ')} to ${options.out}`);
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`acgs: invalid configuration: ${error.message}`);
  else console.error(`acgs: ${(error as Error).message}`);
  process.exit(1);
});
