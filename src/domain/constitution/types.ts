import type { Role } from '../auth/roles.js';

export const STANDARD_CATEGORIES = [
  'safety',
  'privacy',
  'security',
  'fairness',
  'transparency',
  'accountability',
  'human_oversight',
] as const;

export type PrincipleStatus = 'draft' | 'active' | 'deprecated';

export type ConditionOperator =
  | 'eq'
  | 'neq'
  | 'in'
  | 'contains'
  | 'containsAny'
  | 'containsAll'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'is_true'
  | 'is_false';

/** One test on a request attribute, e.g. context.pii containsAny ["ssn"]. */
export interface Condition {
  attr: string;
  op: ConditionOperator;
  value?: string | number | boolean | string[];
}

/**
 * A machine-readable rule: when a request's action (and resource type) is in scope and every `when` condition holds
 * and no `unless` condition holds, the effect applies. `forbid` compiles to a Cedar forbid, `permit` to a permit;
 * the verifier reads the same structure as a property ("no permitted request satisfies a forbid constraint").
 */
export interface Constraint {
  effect: 'forbid' | 'permit';
  actions: string[];
  resource_types?: string[];
  when?: Condition[];
  unless?: Condition[];
  /**
   * What the caller must honour when a policy compiled from this constraint determines a denial:
   * `require_human_review` (a person may approve the request, which is then retried with human_approved), `redact`
   * (the request may be retried with the detected spans removed), `log_only`. Carried as `@obligation`.
   */
  obligations?: string[];
}

/** Everything about a principle that belongs to the constitution's content (and so to its hash). */
export interface PrincipleContent {
  key: string;
  title: string;
  description: string;
  category: string;
  priority: number;
  scope: { actions: string[]; resource_types: string[] };
  normative_statement: string;
  rationale: string;
  constraints: Constraint[];
}

export type QuorumRule = { kind: 'votes'; min: number } | { kind: 'fraction'; fraction: number };

export interface MetaRules {
  conflict_resolution: { strategy: 'deny_overrides'; explanation_order: 'priority' };
  amendments: {
    quorum: QuorumRule;
    /** Approval needs for / (for + against) ≥ numerator / denominator. */
    approval_threshold: { numerator: number; denominator: number };
    abstentions_count_toward_quorum: boolean;
    voting_period_hours: number;
    proposer_roles: Role[];
    voter_roles: Role[];
  };
}

/** The hashed content of one constitution version. */
export interface ConstitutionDocument {
  principles: PrincipleContent[];
  meta_rules: MetaRules;
}

export type AmendmentChange =
  | { op: 'add_principle'; principle: PrincipleContent }
  | { op: 'modify_principle'; key: string; changes: Partial<Omit<PrincipleContent, 'key'>> }
  | { op: 'repeal_principle'; key: string }
  | { op: 'change_meta_rules'; meta_rules: MetaRules };

export type AmendmentStatus = 'draft' | 'open' | 'approved' | 'rejected' | 'expired' | 'withdrawn' | 'enacted';

export type Vote = 'for' | 'against' | 'abstain';

/** A problem found in a submitted document, located by JSON Pointer. */
export interface DocumentProblem {
  path: string;
  message: string;
}
