import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { freePort, runCli, runCliToEnd, waitFor, waitForHealthy } from '../support/process.js';

describe('acgs demo on a fresh acgs up (issue 13, first Done-when line)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'acgs-demo-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('walks amendment → votes → synthesis → verification → second approval → enforcement → receipt, twice', async () => {
    const env: Record<string, string> = {
      ACGS_DATA_DIR: dataDir,
      ACGS_ADMIN_EMAIL: 'ops@example.com',
      ACGS_BCRYPT_COST: '10',
    };
    for (const service of SERVICE_NAMES) env[`${service.toUpperCase()}_PORT`] = String(await freePort());
    const stack = runCli(['up'], env);
    try {
      await waitForHealthy(
        SERVICE_NAMES.map((service) => `http://127.0.0.1:${env[`${service.toUpperCase()}_PORT`]}`),
        60_000,
        'six healthy services',
        stack,
      );
      await waitFor(() => stack.output().includes('Password (shown once'), 5000, 'bootstrap credentials');
      const password = /Password \(shown once[^:]*: (\S+)/.exec(stack.output())![1]!;
      for (const round of [1, 2]) {
        const demo = await runCliToEnd(['demo'], { ...env, ACGS_ADMIN_PASSWORD: password });
        assert.equal(demo.code, 0, `round ${round}:\n${demo.output}`);
        assert.match(demo.output, /4\. Enacted: constitution v\d+ [0-9a-f]{64}/);
        assert.match(demo.output, /@generated_by\("compiler"\)/);
        assert.match(demo.output, /demo-review-shell-[0-9a-f]{6}: equivalent to its constraint: holds/);
        assert.match(demo.output, /demo-confidential-payments-[0-9a-f]{6}: equivalent to its constraint: holds/);
        assert.match(demo.output, /demo-routine-payments-[0-9a-f]{6}: equivalent to its constraint: holds/);
        assert.match(demo.output, /warning: demo-routine-payments-[0-9a-f]{6}\.1 is redundant/);
        assert.match(demo.output, /a routine payments call \(risk 5, public data\): allow/);
        assert.match(
          demo.output,
          /change set \d+: the bundle it makes conforms to constitution v\d+: holds; status verified/,
        );
        assert.match(demo.output, /change set \d+ awaiting approval by a second person since/);
        assert.match(demo.output, /enforced by 1 PGC instance\(s\) since \d{4}-/);
        assert.match(demo.output, /run status: active/);
        assert.match(
          demo.output,
          /a payments call on confidential data: deny by demo-confidential-payments-[0-9a-f]{6}\.1/,
        );
        assert.match(
          demo.output,
          /deny by demo-review-shell-[0-9a-f]{6}\.1, implementing demo-review-shell-[0-9a-f]{6}/,
        );
        assert.match(demo.output, /require_human_review/);
        assert.doesNotMatch(
          demo.output,
          /deny by human-approval-for-high-risk-tools/,
          'risk 60 is below the starter threshold',
        );
        assert.match(demo.output, /inclusion verified; tree head signature verified; entry names the decision: yes/);
      }
    } finally {
      stack.child.kill('SIGTERM');
      await stack.exited;
    }
  });
});
