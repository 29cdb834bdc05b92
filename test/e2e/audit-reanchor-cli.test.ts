import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { backends } from '../support/harness.js';
import { createScratchSchema } from '../support/postgres-schema.js';
import { runCliToEnd } from '../support/process.js';
import { sqlOnStoppedStack } from '../support/stopped-stack.js';

/** A CLI command run to its end with the built CLI, as users run it (a second or two sooner than from sources). */
const cliOutput = (args: string[], env: Record<string, string>) => runCliToEnd(args, env, { built: true });

// A file of its own: each CLI command opens PGlite (a few seconds), and beside the proof tests it neared the file's
// time bound.
for (const backend of await backends()) {
  describe(`acgs audit reanchor and doctor after rows were lost, on ${backend}`, () => {
    it('stops recording when rows are lost from the end, doctor says why, and reanchor lets it go on with the gap listed', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'acgs-audit-'));
      const scratch = backend === 'postgres' ? await createScratchSchema('gap') : null;
      const env: Record<string, string> = {
        ACGS_DATA_DIR: dataDir,
        ACGS_BCRYPT_COST: '4',
        ...(scratch === null ? {} : { DATABASE_URL: scratch.url }),
      };
      const user = (n: number) =>
        cliOutput(['user', 'create', '--email', `m${n}@example.com`, '--role', 'auditor'], env);
      try {
        for (let i = 0; i < 2; i += 1) assert.equal((await user(i)).code, 0);
        const truncate = 'DELETE FROM audit_logs WHERE leaf_index = (SELECT max(leaf_index) FROM audit_logs)';
        await sqlOnStoppedStack(scratch?.url ?? null, dataDir, truncate);
        const refused = await user(2);
        assert.equal(refused.code, 1, refused.output);
        assert.match(refused.output, /The audit log is damaged: the rows of audit log leaves \d+–\d+ are missing/);
        const doctor = await cliOutput(['doctor', '--json'], env);
        const audit = (
          JSON.parse(doctor.output) as { checks: { check: string; status: string; detail: string; fix: string }[] }
        ).checks.find((check) => check.check === 'audit log')!;
        assert.equal(audit.status, 'fail', doctor.output);
        assert.match(audit.detail, /are missing \(their leaf hashes are stored\)/);
        assert.match(audit.fix, /acgs restore.*acgs audit reanchor/);

        const reanchored = await cliOutput(
          ['audit', 'reanchor', '--reason', 'lost in a bad restore', '--by', 'ops'],
          env,
        );
        assert.equal(reanchored.code, 0, reanchored.output);
        assert.match(reanchored.output, /gap acknowledged: leaves \d+–\d+ are lost/);
        assert.equal((await user(3)).code, 0);
        const verified = await cliOutput(['audit', 'verify'], env);
        assert.equal(verified.code, 0, verified.output);
        assert.match(verified.output, /audit log OK/);
        assert.match(
          verified.output,
          /acknowledged gap 1: missing: rows of leaves \d+–\d+ were lost; acknowledged by ops .*: lost in a bad restore/,
        );
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
        await scratch?.drop();
      }
    });
  });
}
