import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config.js';

export interface ResolvedSecrets {
  jwt: string;
  csrf: string;
}

interface StoredSecrets {
  AUTH_SERVICE_SECRET_KEY?: string;
  AUTH_SERVICE_CSRF_SECRET_KEY?: string;
}

function generate(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Fills secrets missing from the environment. Outside production they are generated once and kept in the data
 * dir (mode 0600) so a restart keeps every session valid; an in-memory database gets throwaway secrets.
 */
export async function resolveSecrets(config: Config): Promise<ResolvedSecrets> {
  const { jwt, csrf } = config.secrets;
  if (jwt !== null && csrf !== null) return { jwt, csrf };
  if (config.database.kind === 'pglite' && config.database.dataDir === null) {
    return { jwt: jwt ?? generate(), csrf: csrf ?? generate() };
  }
  const file = join(config.dataDir, 'secrets.json');
  let stored: StoredSecrets = {};
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as StoredSecrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const next: StoredSecrets = {
    AUTH_SERVICE_SECRET_KEY: stored.AUTH_SERVICE_SECRET_KEY ?? generate(),
    AUTH_SERVICE_CSRF_SECRET_KEY: stored.AUTH_SERVICE_CSRF_SECRET_KEY ?? generate(),
  };
  if (next.AUTH_SERVICE_SECRET_KEY !== stored.AUTH_SERVICE_SECRET_KEY || next.AUTH_SERVICE_CSRF_SECRET_KEY !== stored.AUTH_SERVICE_CSRF_SECRET_KEY) {
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(next, null, 2), { mode: 0o600 });
  }
  return { jwt: jwt ?? next.AUTH_SERVICE_SECRET_KEY!, csrf: csrf ?? next.AUTH_SERVICE_CSRF_SECRET_KEY! };
}
