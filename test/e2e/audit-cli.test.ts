import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { openPglite } from '../../src/platform/db/pglite.js';
import { checkInclusion } from '../support/rfc9162-check.js';
import { backends } from '../support/harness.js';
import { createScratchSchema } from '../support/postgres-schema.js';
import { runCli } from '../support/process.js';

async function cliOutput(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  // The built CLI, as users run it (npm ci builds it): a second or two sooner per command than from sources.
  const cli = runCli(args, env, { built: true });
  const code = await cli.exited;
  return { code, output: cli.output() };
}

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
        if (scratch !== null) {
          const client = new pg.Client({ connectionString: scratch.url });
          await client.connect();
          await client.query(tamper);
          await client.end();
        } else {
          const db = await openPglite(join(dataDir, 'pglite'));
          await db.query(tamper);
          await db.close();
        }
        const broken = await cliOutput(['audit', 'verify'], env);
        assert.equal(broken.code, 1, broken.output);
        assert.match(broken.output, /audit log BROKEN at leaf 1: modified/);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
        await scratch?.drop();
      }
    });

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
        if (scratch !== null) {
          const client = new pg.Client({ connectionString: scratch.url });
          await client.connect();
          await client.query(truncate);
          await client.end();
        } else {
          const db = await openPglite(join(dataDir, 'pglite'));
          await db.query(truncate);
          await db.close();
        }
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
