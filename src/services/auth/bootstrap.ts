import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../domain/errors.js';
import { ConfigError } from '../../platform/errors.js';
import type { Platform } from '../../platform/platform.js';
import { buildAccounts } from './accounts-factory.js';

export interface BootstrapResult {
  email: string;
  /** Present only when the password was generated here and must be shown to the operator this once. */
  generatedPassword: string | null;
}

/** Creates the first admin when the system has none; returns null when an admin already exists. */
export async function ensureBootstrapAdmin(platform: Platform): Promise<BootstrapResult | null> {
  const rows = await platform.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM users WHERE 'admin' = ANY (roles)`,
  );
  if (rows[0]!.n > 0) return null;
  const email = platform.config.bootstrapAdmin.email ?? 'admin@acgs.local';
  const given = platform.config.bootstrapAdmin.password;
  const password = given ?? randomBytes(18).toString('base64url');
  try {
    await buildAccounts(platform).register({ email, password, fullName: 'Bootstrap Administrator', roles: ['admin'] });
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ConfigError(given === null ? 'ACGS_ADMIN_EMAIL' : 'ACGS_ADMIN_PASSWORD', error.message);
    }
    throw error;
  }
  return { email, generatedPassword: given === null ? password : null };
}
