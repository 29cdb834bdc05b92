import { Command, Option } from 'commander';
import { AppError } from '../../domain/errors.js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleStore } from '../../services/integrity/bundle-store.js';
import type { ConformanceReport } from '../../domain/verify/conformance.js';
import type { ImpactAnswer } from '../../domain/verify/questions.js';
import { queryFileName, type ExportedQuery } from '../../domain/verify/smtlib.js';
import { holdSolverPool } from '../../platform/solver/shared.js';
import type { JobKind } from '../../services/fv/job-store.js';
import { Verifier } from '../../services/fv/verifier.js';
import { OWNERS_READERS } from '../../services/catalog.js';
import { withPlatform } from '../with-platform.js';

/** Runs one verification like the fv service's jobs do, prints it, and exits by its verdict. */
async function runVerification(
  kind: JobKind,
  request: Record<string, unknown>,
  output: { json?: boolean; smtlib?: string },
): Promise<void> {
  await withPlatform(async (platform) => {
    const { pool, release } = await holdSolverPool(platform.config.verification);
    const verifier = new Verifier(
      platform.db,
      new BundleStore(platform.db),
      OWNERS_READERS.constitutions,
      pool,
      OWNERS_READERS.decisions,
    );
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

/** Verify: the fv questions, asked from the command line. */
export function registerVerifyCommands(program: Command): void {
  const verify = program
    .command('verify')
    .description(
      'verify a bundle with Z3 against its constitution (docs/verification.md); exit 0 holds, 1 violated, 2 undecided',
    );
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
    .description(
      'change impact of removing policies (by id) and adding Cedar files: symbolic and on recorded decisions',
    )
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
}
