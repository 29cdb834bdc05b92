import { Command } from 'commander';
import { backup, restore } from '../../operations/backup.js';
import { progressReporter } from '../progress.js';
import { configOrExit } from '../with-platform.js';

/** Backup and restore. */
export function registerBackupCommands(program: Command): void {
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
}
