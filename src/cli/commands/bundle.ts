import { Command } from 'commander';
import { AppError } from '../../domain/errors.js';
import { readFile } from 'node:fs/promises';
import { BundleInvalidError } from '../../domain/policy/bundle.js';
import { policiesFromSource } from '../../domain/policy/policy-files.js';
import { starterPolicies } from '../../domain/synthesis/starter-bundle.js';
import { platformSigningKeys } from '../../services/integrity/signing-keys.js';
import { VerificationGate } from '../../services/integrity/verification-gate.js';
import { ChangeSets } from '../../services/integrity/change-sets.js';
import { BundleStore } from '../../services/integrity/bundle-store.js';
import { OWNERS_READERS } from '../../services/catalog.js';
import { withPlatform } from '../with-platform.js';

/** A command given what it cannot use: exit 64, like bad input elsewhere in the CLI. */
class UsageError extends Error {}

/** Bundle: building and checking signed policy bundles. */
export function registerBundleCommands(program: Command): void {
  const bundle = program.command('bundle').description('policy bundles, signed with the platform OpenPGP key');
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
}
