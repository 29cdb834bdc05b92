import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config.js';

export interface ResolvedSecrets {
  jwt: string;
  csrf: string;
  signingKeyPassphrase: string;
}

const NAMES = {
  jwt: 'AUTH_SERVICE_SECRET_KEY',
  csrf: 'AUTH_SERVICE_CSRF_SECRET_KEY',
  signingKeyPassphrase: 'ACGS_SIGNING_KEY_PASSPHRASE',
} as const;

type StoredSecrets = Partial<Record<(typeof NAMES)[keyof typeof NAMES], string>>;

function generate(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Fills secrets missing from the environment. Outside production they are generated once and kept in the data
 * dir (mode 0600) so a restart keeps every session valid; an in-memory database gets throwaway secrets.
 */
export async function resolveSecrets(config: Config): Promise<ResolvedSecrets> {
  const given = config.secrets;
  const keys = Object.keys(NAMES) as (keyof typeof NAMES)[];
  if (keys.every((key) => given[key] !== null)) return given as ResolvedSecrets;
  if (config.database.kind === 'pglite' && config.database.dataDir === null) {
    return Object.fromEntries(keys.map((key) => [key, given[key] ?? generate()])) as unknown as ResolvedSecrets;
  }
  const file = join(config.dataDir, 'secrets.json');
  let stored: StoredSecrets = {};
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as StoredSecrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const next: StoredSecrets = Object.fromEntries(keys.map((key) => [NAMES[key], stored[NAMES[key]] ?? generate()]));
  if (keys.some((key) => stored[NAMES[key]] === undefined)) {
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(next, null, 2), { mode: 0o600 });
  }
  return Object.fromEntries(keys.map((key) => [key, given[key] ?? next[NAMES[key]]!])) as unknown as ResolvedSecrets;
}
