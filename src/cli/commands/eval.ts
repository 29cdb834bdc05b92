import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { decide, type EvaluationRequest } from '../../domain/enforcement/decide.js';
import { PolicyEngine } from '../../domain/enforcement/engine.js';
import { verifySignedBundle, type SignedBundle } from '../../domain/policy/bundle.js';
import { verifyWithPlatformKeys } from '../../services/integrity/signing-keys.js';
import { BundleStore } from '../../services/integrity/bundle-store.js';
import { configOrExit, withDatabase, readStdin } from '../with-platform.js';

/** Eval: one decision against a bundle file, offline. */
export function registerEvalCommands(program: Command): void {
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
}
