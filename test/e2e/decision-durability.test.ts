import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { openPglite } from '../../src/platform/db/pglite.js';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { backends } from '../support/harness.js';
import { createScratchSchema } from '../support/postgres-schema.js';
import { freePort, runCli, waitFor, waitForHealthy } from '../support/process.js';

const PASSWORD = 'durability-check-2026';

for (const backend of await backends()) {
  describe(`decision log durability on ${backend}`, () => {
    it('every acknowledged decision is in the table after SIGKILL mid-load', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'acgs-kill-'));
      const env: Record<string, string> = {
        ACGS_DATA_DIR: dataDir,
        ACGS_ADMIN_EMAIL: 'ops@example.com',
        ACGS_ADMIN_PASSWORD: PASSWORD,
        ACGS_BCRYPT_COST: '10',
        ACGS_RATE_LIMIT_PER_MINUTE: '0',
      };
      const urls: string[] = [];
      for (const service of SERVICE_NAMES) {
        const port = await freePort();
        env[`${service.toUpperCase()}_PORT`] = String(port);
        urls.push(`http://127.0.0.1:${port}`);
      }
      const scratch = backend === 'postgres' ? await createScratchSchema('kill') : null;
      if (scratch !== null) env['DATABASE_URL'] = scratch.url;
      try {
        const stack = runCli(['up'], env);
        await waitForHealthy(urls, 30_000, 'six healthy services', stack);
        const login = await fetch(`${urls[0]}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'ops@example.com', password: PASSWORD }),
        });
        const token = ((await login.json()) as { access_token: string }).access_token;
        const acknowledged: string[] = [];
        let stop = false;
        const worker = async (n: number) => {
          for (let i = 0; !stop; i += 1) {
            try {
              const response = await fetch(`${urls[5]}/api/v1/enforcement/evaluate`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
                body: JSON.stringify({
                  principal: { type: 'Agent', id: `w${n}` },
                  action: 'generate',
                  resource: { type: 'Model', id: 'm' },
                  content: `request ${n}-${i}`,
                }),
              });
              if (response.status === 200)
                acknowledged.push(((await response.json()) as { decision_id: string }).decision_id);
            } catch {
              return;
            }
          }
        };
        const workers = Array.from({ length: 16 }, (_, n) => worker(n));
        await waitFor(() => acknowledged.length >= 300, 30_000, '300 acknowledged decisions');
        stack.child.kill('SIGKILL');
        stop = true;
        await stack.exited;
        await Promise.all(workers);
        assert.ok(acknowledged.length >= 300);

        let stored: Set<string>;
        if (backend === 'postgres') {
          const client = new pg.Client({ connectionString: env['DATABASE_URL'] });
          await client.connect();
          stored = new Set((await client.query<{ id: string }>('SELECT id FROM decisions')).rows.map((row) => row.id));
          await client.end();
        } else {
          const db = await openPglite(join(dataDir, 'pglite'));
          stored = new Set((await db.query<{ id: string }>('SELECT id FROM decisions')).map((row) => row.id));
          await db.close();
        }
        const missing = acknowledged.filter((id) => !stored.has(id));
        assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged decisions were lost`);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
        await scratch?.drop();
      }
    });
  });
}
