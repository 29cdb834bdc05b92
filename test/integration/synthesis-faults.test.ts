import assert from 'node:assert/strict';
import { constitutionReader } from '../../src/services/ac/constitution-reader.js';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ensureStarterBundle } from '../../src/services/integrity/bundle-builder.js';
import { postgresBehindProxy } from '../support/cut-postgres.js';
import { backends, createTestApp, tokenFor, type TestPlatform } from '../support/harness.js';
import { fakeLlmServer } from '../support/fake-llm.js';
import { waitFor } from '../support/process.js';
import type { TcpProxy } from '../support/tcp-proxy.js';

const runs = (await backends()).includes('postgres');

const REPLY = `\`\`\`cedar
@obligation("redact")
forbid (principal, action == Action::"send_external", resource)
when { context.pii.contains("iban") };
\`\`\``;

describe('synthesis runs while PostgreSQL is cut', { skip: runs ? false : 'needs PostgreSQL' }, () => {
  let cut: Awaited<ReturnType<typeof postgresBehindProxy>>;
  let proxy: TcpProxy;
  let llm: Awaited<ReturnType<typeof fakeLlmServer>>;
  let env: Awaited<ReturnType<typeof postgresBehindProxy>>['env'];
  let direct: TestPlatform;
  let gs: FastifyInstance;

  before(async () => {
    llm = await fakeLlmServer();
    cut = await postgresBehindProxy({ LLM_BASE_URL: llm.url, LLM_API_KEY: 'llm-key', LLM_MODEL: 'scripted' });
    ({ proxy, env, direct } = cut);
    await (await createTestApp('ac', env.platform)).close();
    await ensureStarterBundle(env.platform, constitutionReader);
    gs = await createTestApp('gs', env.platform);
  });
  after(async () => {
    await gs?.close();
    await cut?.close();
    await llm?.close();
  });

  it('a run the cut interrupts is queued again and completes once the database is back, submitting one version', async () => {
    const manager = (await tokenFor(env.platform, ['policy_manager'])).headers;
    // The model answers slowly, so the database goes away while the run waits for it and while it stores the attempt.
    llm.script([{ content: REPLY, delayMs: 1000 }, { content: REPLY }, { content: REPLY }, { content: REPLY }]);
    const principle = {
      key: 'no-iban-out',
      title: 'No IBANs out',
      description: 'IBANs never leave.',
      category: 'privacy',
      priority: 90,
      scope: { actions: ['send_external'], resource_types: ['Channel'] },
      normative_statement: 'The system must not send IBANs to external channels.',
      rationale: 'Bank data.',
      constraints: [
        {
          effect: 'forbid',
          actions: ['send_external'],
          when: [{ attr: 'context.pii', op: 'contains', value: 'iban' }],
          obligations: ['redact'],
        },
      ],
    };
    const queued = await gs.inject({
      method: 'POST',
      url: '/api/v1/synthesize/policy',
      headers: manager,
      payload: { principle, engine: 'llm' },
    });
    assert.equal(queued.statusCode, 202, queued.body);
    const id = queued.json().id as string;
    const status = async () =>
      (await direct.platform.db.query<{ status: string }>('SELECT status FROM synthesis_runs WHERE id = $1', [id]))[0]!
        .status;
    await new Promise((resolve) => setTimeout(resolve, 300));
    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    proxy.restore();
    await waitFor(async () => (await status()) === 'awaiting_approval', 60_000, 'the interrupted run to complete');
    const versions = await direct.platform.db.query<{ version: number; status: string }>(
      `SELECT version, status FROM policies WHERE policy_id = 'no-iban-out.1' ORDER BY version`,
    );
    assert.deepEqual(versions, [{ version: 1, status: 'verified' }]);
    assert.equal((await gs.inject({ method: 'GET', url: '/health' })).statusCode, 200);
  });
});
