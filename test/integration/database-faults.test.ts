import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openPostgres } from '../../src/platform/db/postgres.js';
import type { Database } from '../../src/platform/db/database.js';
import { AppError } from '../../src/domain/errors.js';
import { backends } from '../support/harness.js';
import { createScratchSchema, type ScratchSchema } from '../support/postgres-schema.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/process.js';

const runs = (await backends()).includes('postgres');

describe('the PostgreSQL driver across a network cut', { skip: runs ? false : 'needs PostgreSQL' }, () => {
  let proxy: TcpProxy;
  let scratch: ScratchSchema;
  let db: Database;

  before(async () => {
    scratch = await createScratchSchema('fault');
    const url = new URL(scratch.url);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    db = await openPostgres({ url: proxy.rewrite(scratch.url), size: 2, maxOverflow: 2, timeoutMs: 2000 });
    await db.exec('CREATE TABLE notes (id int)');
  });

  after(async () => {
    await db?.close().catch(() => undefined);
    await proxy?.close();
    await scratch?.drop();
  });

  it('fails a transaction whose connection drops with DATABASE_UNAVAILABLE, and the process lives on', async () => {
    const inFlight = db.transaction(async (tx) => {
      await tx.query('INSERT INTO notes VALUES (1)');
      await tx.query('SELECT pg_sleep(2)');
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    proxy.cut();
    await assert.rejects(
      inFlight,
      (error: unknown) => error instanceof AppError && error.errorCode === 'DATABASE_UNAVAILABLE',
    );
    await assert.rejects(
      db.query('SELECT 1'),
      (error: unknown) => error instanceof AppError && error.kind === 'unavailable',
    );
    proxy.restore();
    // The broken connection was discarded, not handed back: the next transaction works and the first left nothing.
    await waitFor(
      async () =>
        db.query('SELECT 1').then(
          () => true,
          () => false,
        ),
      5000,
      'the pool to reconnect',
    );
    await db.transaction(async (tx) => tx.query('INSERT INTO notes VALUES (2)'));
    assert.deepEqual(await db.query('SELECT id FROM notes ORDER BY id'), [{ id: 2 }]);
  });

  it('re-subscribes a LISTEN after the cut and says so, then delivers again', async () => {
    const heard: string[] = [];
    let resubscribed = 0;
    const stop = await db.listen(
      'fault_channel',
      (payload) => heard.push(payload),
      () => {
        resubscribed += 1;
      },
    );
    try {
      await db.query(`SELECT pg_notify('fault_channel', 'before')`);
      await waitFor(async () => heard.includes('before'), 5000, 'the first notification');
      proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 500));
      proxy.restore();
      await waitFor(async () => resubscribed === 1, 5000, 'the listener to reconnect');
      await waitFor(
        async () =>
          db.query(`SELECT pg_notify('fault_channel', 'after')`).then(
            () => true,
            () => false,
          ),
        5000,
        'the pool',
      );
      await waitFor(async () => heard.includes('after'), 5000, 'a notification after the cut');
    } finally {
      await stop();
    }
  });
});
