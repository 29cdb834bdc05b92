import { DEFAULT_ADMIN_EMAIL, generatePassword } from '../../domain/auth/password-policy.js';
import { ValidationError } from '../../domain/errors.js';
import { ConfigError } from '../../platform/errors.js';
import type { Platform } from '../../platform/platform.js';
import { buildAccounts } from './accounts-factory.js';
import { SqlUserStore } from './repositories.js';

export interface BootstrapResult {
  email: string;
  /** Present only when the password was generated here and must be shown to the operator this once. */
  generatedPassword: string | null;
}

/** Creates the first admin when the system has none; returns null when an admin already exists. */
export async function ensureBootstrapAdmin(platform: Platform): Promise<BootstrapResult | null> {
  if ((await new SqlUserStore(platform.db).countWithRole('admin')) > 0) return null;
  const email = platform.config.bootstrapAdmin.email ?? DEFAULT_ADMIN_EMAIL;
  const given = platform.config.bootstrapAdmin.password;
  const password = given ?? generatePassword(email);
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
