import { randomBytes } from 'node:crypto';
import { COMMON_PASSWORDS } from './common-passwords.js';

export const MIN_PASSWORD_LENGTH = 12;

/** The first admin's login when ACGS_ADMIN_EMAIL is not set. */
export const DEFAULT_ADMIN_EMAIL = 'admin@acgs.local';

/** Returns every rule the password breaks, in words a user can act on; empty when it is acceptable. */
export function passwordProblems(password: string, email: string): string[] {
  const problems: string[] = [];
  if ([...password].length < MIN_PASSWORD_LENGTH) problems.push(`must be at least ${MIN_PASSWORD_LENGTH} characters`);
  const lower = password.toLowerCase();
  // "Password1234!" is as guessable as "password": strip the digits and symbols people append before checking.
  const core = lower.replace(/[\d\W_]+$/u, '');
  if (COMMON_PASSWORDS.has(lower) || COMMON_PASSWORDS.has(core)) problems.push('is too common');
  const localPart = email.split('@')[0]?.toLowerCase() ?? '';
  if (localPart.length >= 3 && lower.includes(localPart)) problems.push("must not contain the email's local part");
  return problems;
}

/**
 * A password for an account created by an operator who gave none: 144 random bits, shown to them once. Drawn again
 * in the rare case the draw breaks a rule for `email` (a three-letter local part such as "ops" turns up in about one
 * draw in 1,500, and registration would then refuse it).
 */
export function generatePassword(email: string, bytes: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const password = bytes(18).toString('base64url');
    if (passwordProblems(password, email).length === 0) return password;
  }
}
