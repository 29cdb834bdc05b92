import { mkdir } from 'node:fs/promises';
import type { Config } from '../config.js';
import type { Database } from './database.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export async function openDatabase(config: Config): Promise<Database> {
  const target = config.database;
  if (target.kind === 'postgres') {
    return openPostgres({
      url: target.url,
      size: config.pool.size,
      maxOverflow: config.pool.maxOverflow,
      timeoutMs: config.pool.timeoutMs,
    });
  }
  if (target.dataDir !== null) await mkdir(target.dataDir, { recursive: true });
  return openPglite(target.dataDir);
}
