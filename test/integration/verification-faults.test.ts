import assert from 'node:assert/strict';
import { constitutionReader } from '../../src/services/ac/constitution-reader.js';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { buildAndActivateBundle } from '../../src/services/integrity/bundle-builder.js';
import { postgresBehindProxy } from '../support/cut-postgres.js';
import { backends, createTestApp, tokenFor, type TestPlatform } from '../support/harness.js';
import { waitFor } from '../support/process.js';
import type { TcpProxy } from '../support/tcp-proxy.js';

const runs = (await backends()).includes('postgres');

describe('verification jobs while PostgreSQL is cut', { skip: runs ? false : 'needs PostgreSQL' }, () => {
  let cut: Awaited<ReturnType<typeof postgresBehindProxy>>;
  let proxy: TcpProxy;
  let env: Awaited<ReturnType<typeof postgresBehindProxy>>['env'];
  let direct: TestPlatform;
  let fv: FastifyInstance;

  before(async () => {
    cut = await postgresBehindProxy();
    ({ proxy, env, direct } = cut);
    await (await createTestApp('ac', env.platform)).close();
    await buildAndActivateBundle(env.platform, constitutionReader, starterPolicies(), null);
    fv = await createTestApp('fv', env.platform);
  });
  after(async () => {
    await fv?.close();
    await cut?.close();
  });

  it('a job the cut interrupts is queued again and finishes once the database is back; the service never dies', async () => {
    const manager = (await tokenFor(env.platform, ['policy_manager'])).headers;
    // The database goes away as soon as the job is queued: the runner loses it claiming the job, reading the bundle
    // or storing the report, and must carry on once it is back.
    const context = { pii: [], risk: 1, tool: 't', secrets: false, keyword_lists: [], human_approved: false };
    const requests = ['a', 'b'].flatMap((group) =>
      Array.from({ length: 1000 }, (_, i) => ({
        group,
        request: {
          principal: { type: 'User', id: `${group}${i}` },
          action: 'respond',
          resource: { type: 'Document', id: 'd' },
          context: {
            ...context,
            injection_score: 0,
            unsafe_categories: [],
            data_classification: 'public',
            decision_inputs: group === 'b' && i % 2 === 0 ? ['age'] : [],
          },
        },
      })),
    );
    const queued = await fv.inject({
      method: 'POST',
      url: '/api/v1/verify/fairness',
      headers: manager,
      payload: { requests, resamples: 2000 },
    });
    assert.equal(queued.statusCode, 202, queued.body);
    const id = queued.json().id as string;
    const status = async () =>
      (
        await direct.platform.db.query<{ status: string }>('SELECT status FROM verification_jobs WHERE id = $1', [id])
      )[0]!.status;
    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    proxy.restore();
    await waitFor(async () => (await status()) === 'done', 60_000, 'the interrupted job to finish after the cut');
    const job = (await fv.inject({ method: 'GET', url: `/api/v1/verify/jobs/${id}`, headers: manager })).json();
    assert.equal(job.verdict, 'violated');
    assert.equal(job.report.groups.length, 2);
    assert.equal((await fv.inject({ method: 'GET', url: '/health' })).statusCode, 200);
  });
});
