import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { binaryAvailable } from '../support/binaries.js';
import { freePort, runCli, waitForHealthy } from '../support/process.js';

const PASSWORD = 'independent-check-2026';
const tools = binaryAvailable('curl', ['--version'], 'curl') && binaryAvailable('python3', ['--version'], 'python3');

/** The `check.py` block of docs/audit.md, exactly as a reader would copy it. */
function documentedCheck(): string {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/audit.md', import.meta.url)), 'utf8');
  const script = /`check\.py`[^\n]*\n\n```python\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(script !== undefined, 'docs/audit.md has the check.py block');
  return script;
}

/** curl, as the operator would type it; the body goes to a file for the check. */
function curlTo(file: string, url: string, token: string): void {
  const result = spawnSync('curl', ['-sf', '-o', file, '-H', `Authorization: Bearer ${token}`, url], {
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `curl ${url}: ${result.stderr}`);
}

describe(
  "docs/audit.md's independent check on proofs fetched with curl",
  { skip: tools ? false : 'needs curl and python3' },
  () => {
    it('accepts an inclusion proof and a decision receipt from a running stack, and rejects an edited one', async () => {
      const work = mkdtempSync(join(tmpdir(), 'acgs-check-'));
      const env: Record<string, string> = {
        ACGS_DATA_DIR: join(work, 'data'),
        ACGS_ADMIN_EMAIL: 'ops@example.com',
        ACGS_ADMIN_PASSWORD: PASSWORD,
        ACGS_BCRYPT_COST: '10',
      };
      const urls: Record<string, string> = {};
      for (const service of SERVICE_NAMES) {
        const port = await freePort();
        env[`${service.toUpperCase()}_PORT`] = String(port);
        urls[service] = `http://127.0.0.1:${port}`;
      }
      const stack = runCli(['up'], env);
      try {
        await waitForHealthy(Object.values(urls), 60_000, 'six healthy services', stack);
        const login = await fetch(`${urls['auth']}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'ops@example.com', password: PASSWORD }),
        });
        const token = ((await login.json()) as { access_token: string }).access_token;
        const decision = (await (
          await fetch(`${urls['pgc']}/api/v1/enforcement/evaluate`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({
              principal: { type: 'Agent', id: 'bot' },
              action: 'send_external',
              resource: { type: 'Channel', id: 'email' },
              content: 'Card 4111 1111 1111 1111',
            }),
          })
        ).json()) as { decision_id: string; decision: string };
        assert.equal(decision.decision, 'deny');

        const check = join(work, 'check.py');
        writeFileSync(check, documentedCheck());
        const runCheck = (file: string) => spawnSync('python3', [check, file], { encoding: 'utf8' });

        const head = join(work, 'head.json');
        curlTo(head, `${urls['integrity']}/api/v1/audit/tree-head`, token);
        const size = (JSON.parse(readFileSync(head, 'utf8')) as { tree_size: number }).tree_size;
        const proof = join(work, 'proof.json');
        curlTo(
          proof,
          `${urls['integrity']}/api/v1/audit/proof/inclusion?index=${Math.floor(size / 2)}&tree_size=${size}`,
          token,
        );
        assert.equal(runCheck(proof).stdout.trim(), 'True');

        const receipt = join(work, 'receipt.json');
        curlTo(receipt, `${urls['integrity']}/api/v1/audit/receipts/${decision.decision_id}`, token);
        const checked = runCheck(receipt);
        assert.equal(checked.stdout.trim(), 'True', checked.stderr);

        const edited = JSON.parse(readFileSync(receipt, 'utf8')) as { leaf_data: string };
        writeFileSync(receipt, JSON.stringify({ ...edited, leaf_data: edited.leaf_data.replace('"deny"', '"allow"') }));
        assert.equal(runCheck(receipt).stdout.trim(), 'False', 'the check fails once the decision is edited');
      } finally {
        stack.child.kill('SIGTERM');
        await stack.exited;
        rmSync(work, { recursive: true, force: true });
      }
    });
  },
);
