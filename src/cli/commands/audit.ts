import { hostname, userInfo } from 'node:os';
import { Command } from 'commander';
import { progressBar } from '../progress.js';
import { signedByPlatformKey } from '../../services/integrity/signing-keys.js';
import { proveEntry } from '../../platform/audit/proof.js';
import { AuditReader } from '../../platform/audit/reader.js';
import { verifyTreeHeads } from '../../platform/audit/tree-heads.js';
import { verifyAuditTree } from '../../platform/audit/verify.js';
import { withDatabase, withPlatform } from '../with-platform.js';

/** Audit: checking and proving the Merkle audit log. */
export function registerAuditCommands(program: Command): void {
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
}
