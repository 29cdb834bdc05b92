import { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { renderErrorCodesDoc } from '../../operations/error-codes-doc.js';
import { renderConsoleContract } from '../../operations/console-contract.js';

/** Errors doc and console contract: files rendered from the code. */
export function registerRenderCommands(program: Command): void {
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
}
