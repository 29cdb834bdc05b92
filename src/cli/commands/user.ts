import { Command, Option } from 'commander';
import { isRole, ROLES, type Role } from '../../domain/auth/roles.js';
import { buildAccounts } from '../../services/auth/accounts-factory.js';
import { generatePassword } from '../../domain/auth/password-policy.js';
import { withPlatform } from '../with-platform.js';

/** User: accounts made from the command line. */
export function registerUserCommands(program: Command): void {
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
}
