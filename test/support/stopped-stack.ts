import { join } from 'node:path';
import pg from 'pg';
import { openPglite } from '../../src/platform/db/pglite.js';

/** Runs one statement on the database of a stack that is not running: its PostgreSQL schema, or its PGlite dir. */
export async function sqlOnStoppedStack(url: string | null, dataDir: string, sql: string): Promise<void> {
  if (url !== null) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(sql);
    await client.end();
    return;
  }
  const db = await openPglite(join(dataDir, 'pglite'));
  await db.query(sql);
  await db.close();
}
