export const ROLES = ['admin', 'policy_manager', 'auditor', 'council_member', 'agent', 'service'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Who a route admits: anyone, any authenticated caller, or callers holding one of the listed roles. */
export type AccessRule = 'public' | 'authenticated' | readonly Role[];

export function admits(rule: AccessRule, roles: readonly Role[]): boolean {
  if (rule === 'public' || rule === 'authenticated') return true;
  return rule.some((role) => roles.includes(role));
}
