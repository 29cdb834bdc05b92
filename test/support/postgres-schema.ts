import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

async function run(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh schema in the test database, so concurrent suites never see each other's tables. */
export interface ScratchSchema {
  name: string;
  /** DATABASE_URL whose connections use only this schema. */
  url: string;
  drop(): Promise<void>;
}

export async function createScratchSchema(prefix = 't'): Promise<ScratchSchema> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await run(`CREATE SCHEMA ${name}`);
  return { name, url: scratchSchemaUrl(name), drop: () => run(`DROP SCHEMA ${name} CASCADE`) };
}

export const scratchSchemaUrl = (name: string) =>
  `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
