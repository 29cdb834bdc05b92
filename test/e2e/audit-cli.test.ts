import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkInclusion } from '../support/rfc9162-check.js';
import { backends } from '../support/harness.js';
import { createScratchSchema } from '../support/postgres-schema.js';
import { runCliToEnd } from '../support/process.js';
import { sqlOnStoppedStack } from '../support/stopped-stack.js';

/** A CLI command run to its end with the built CLI, as users run it (a second or two sooner than from sources). */
const cliOutput = (args: string[], env: Record<string, string>) => runCliToEnd(args, env, { built: true });

for (const backend of await backends()) {
  describe(`acgs audit verify / prove on ${backend}`, () => {
    it('proves an entry for an independent check, and names the index of a row edited with SQL', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'acgs-audit-'));
      const scratch = backend === 'postgres' ? await createScratchSchema('audit') : null;
      const env: Record<string, string> = {
        ACGS_DATA_DIR: dataDir,
        ACGS_BCRYPT_COST: '10',
        ...(scratch === null ? {} : { DATABASE_URL: scratch.url }),
      };
      try {
        for (let i = 0; i < 3; i += 1) {
          const created = await cliOutput(
            ['user', 'create', '--email', `member${i}@example.com`, '--role', 'council_member'],
            env,
          );
          assert.equal(created.code, 0, created.output);
        }
        const clean = await cliOutput(['audit', 'verify'], env);
        assert.equal(clean.code, 0, clean.output);
        assert.match(clean.output, /audit log OK: \d+ entries/);

        const proved = await cliOutput(['audit', 'prove', '--index', '1'], env);
        assert.equal(proved.code, 0, proved.output);
        const proof = JSON.parse(proved.output) as {
          leaf_data: string;
          index: number;
          tree_size: number;
          audit_path: string[];
          root_hash: string;
        };
        assert.ok(checkInclusion(proof.leaf_data, proof.index, proof.tree_size, proof.audit_path, proof.root_hash));

        const tamper = `UPDATE audit_logs SET details = '{"email": "someone-else@example.com"}' WHERE leaf_index = 1`;
        await sqlOnStoppedStack(scratch?.url ?? null, dataDir, tamper);
        const broken = await cliOutput(['audit', 'verify'], env);
        assert.equal(broken.code, 1, broken.output);
        assert.match(broken.output, /audit log BROKEN at leaf 1: modified/);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
        await scratch?.drop();
      }
    });
  });
}
