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

/**
 * Who routes admit, named by what they do: one list per audience, so a new role joins them in one place and a route
 * says whom it serves rather than spelling the roles out.
 */
export const AUDIENCES = {
  admins: ['admin'],
  /** People who read governance records: the constitution, policies, change sets, the audit log, jobs. */
  people: ['admin', 'policy_manager', 'auditor', 'council_member'],
  policyEditors: ['admin', 'policy_manager'],
  /** People who watch enforcement: decisions, tools, verification questions. */
  overseers: ['admin', 'policy_manager', 'auditor'],
  auditors: ['admin', 'auditor'],
  /** Callers of the decision API and the MCP gateway. */
  decisionCallers: ['agent', 'admin', 'policy_manager'],
  drafters: ['admin', 'policy_manager', 'council_member'],
  services: ['service'],
  /** Who may see and resolve every appeal; anyone else sees only their own. */
  appealReviewers: ['auditor', 'council_member'],
} as const satisfies Record<string, readonly Role[]>;
