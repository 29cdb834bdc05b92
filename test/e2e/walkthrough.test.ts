// The constitution walkthrough in docs runs as written against a fresh `acgs up` (its own file: beside cli.test.ts's
// stacks it would share that file's time bound).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { runCli, stackPorts, waitFor, waitForHealthy } from '../support/process.js';

describe('docs/constitution-walkthrough.sh', () => {
  it('runs end to end against a fresh acgs up', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'acgs-e2e-'));
    const ports = await stackPorts();
    const stack = runCli(['up'], { ACGS_DATA_DIR: dataDir, ACGS_BCRYPT_COST: '10', ...ports.env }, { built: true });
    try {
      await waitForHealthy(Object.values(ports.urls), 30_000, 'six healthy services', stack);
      await waitFor(() => stack.output().includes('Password (shown once'), 5000, 'bootstrap credentials');
      const password = /Password \(shown once[^:]*: (\S+)/.exec(stack.output())![1]!;
      const script = fileURLToPath(new URL('../../docs/constitution-walkthrough.sh', import.meta.url));
      const result = spawnSync('bash', [script], {
        env: { PATH: process.env['PATH'] ?? '', AUTH: ports.urls.auth, AC: ports.urls.ac, ADMIN_PASSWORD: password },
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
      assert.match(result.stdout, /version 2, hash [0-9a-f]{64}/);
      assert.match(result.stdout, /added: no-autonomous-payments/);
      assert.match(result.stdout, /status after vote: enacted/);
    } finally {
      stack.child.kill('SIGTERM');
      assert.equal(await stack.exited, 0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
