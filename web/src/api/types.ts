/** The shapes of the API answers the console reads (the server's schemas at /docs/json are the authority). */

export type Role = 'admin' | 'policy_manager' | 'auditor' | 'council_member' | 'agent' | 'service';

export interface User {
  id: string;
  email: string;
  full_name: string;
  roles: Role[];
  is_active: boolean;
  locked_until: string | null;
  created_at: string;
  last_login_at: string | null;
}

export interface Health {
  status: 'healthy' | 'degraded' | 'unhealthy' | 'maintenance';
  service: string;
  version: string;
  instance_id: string;
  uptime_seconds: number;
  timestamp: string;
  checks: Record<string, { status: 'up' | 'down'; backend: string; latency_ms: number; error?: string }>;
}

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

export interface Condition {
  attr: string;
  op: string;
  value?: unknown;
}

export interface Constraint {
  effect: 'forbid' | 'permit';
  actions?: string[];
  when?: Condition[];
  unless?: Condition[];
  obligations?: string[];
  [other: string]: unknown;
}

export interface ConstitutionVersion {
  version: number;
  hash: string;
  principles: PrincipleContent[];
  meta_rules: MetaRules;
  enacted_at: string;
  enacted_by: string | null;
  enacted_by_amendment: string | null;
}

export interface MetaRules {
  conflict_resolution: { strategy: string; explanation_order: string };
  amendments: {
    quorum: { kind: string; min?: number; fraction?: { numerator: number; denominator: number } };
    approval_threshold: { numerator: number; denominator: number };
    abstentions_count_toward_quorum: boolean;
    voting_period_hours: number;
    proposer_roles: Role[];
    voter_roles: Role[];
  };
}

export interface VersionSummary {
  version: number;
  hash: string;
  enacted_at: string;
  enacted_by: string | null;
  enacted_by_amendment: string | null;
}

export interface FieldChanges {
  [field: string]: { from?: unknown; to?: unknown };
}

export interface ConstitutionDiff {
  from: number;
  to: number;
  from_hash: string;
  to_hash: string;
  principles: {
    added: PrincipleContent[];
    removed: PrincipleContent[];
    modified: { key: string; changes: FieldChanges }[];
  };
  meta_rules: FieldChanges;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface TreeHead {
  tree_size: number;
  root_hash: string;
  timestamp: string;
  signed_data: string;
  signature: string;
  key_fingerprint: string;
}

export type AmendmentStatus = 'draft' | 'open' | 'approved' | 'rejected' | 'expired' | 'withdrawn' | 'enacted';

export type AmendmentChange =
  | { op: 'add_principle'; principle: PrincipleContent }
  | { op: 'modify_principle'; key: string; changes: Partial<Omit<PrincipleContent, 'key'>> }
  | { op: 'repeal_principle'; key: string }
  | { op: 'change_meta_rules'; meta_rules: MetaRules };

export interface Amendment {
  id: string;
  title: string;
  rationale: string;
  changes: AmendmentChange[];
  principle_keys: string[];
  status: AmendmentStatus;
  proposed_by: string;
  created_at: string;
  opened_at: string | null;
  deadline: string | null;
  closed_at: string | null;
  council_size: number | null;
  rules: MetaRules['amendments'] | null;
  outcome: {
    counts: { for: number; against: number; abstain: number };
    quorumNeeded: number;
    quorumMet: boolean;
    decided: string | null;
    enactment_error?: string;
  } | null;
  base_version: number | null;
  enacted_version: number | null;
}

export type VoteChoice = 'for' | 'against' | 'abstain';

export interface AmendmentWithVotes extends Amendment {
  votes: { voter_id: string; vote: VoteChoice; reason: string; cast_at: string; updated_at: string }[];
}

export interface AmendmentComment {
  id: string;
  author_id: string;
  body: string;
  created_at: string;
}

export type PolicyStatus = 'draft' | 'verified' | 'approved' | 'active' | 'superseded' | 'revoked';

export interface PolicyVersion {
  id: string;
  policy_id: string;
  version: number;
  name: string;
  description: string;
  source: string;
  principle_keys: string[];
  status: PolicyStatus;
  content_hash: string;
  author: string | null;
  created_at: string;
  verification_report: unknown;
  approved_by: string | null;
  approved_at: string | null;
  approvals_required: number;
  first_approved_by: string | null;
  activated_at: string | null;
  retired_at: string | null;
}

export interface PolicyWithVersions extends PolicyVersion {
  versions: { version: number; status: PolicyStatus; created_at: string }[];
}

export interface EntityRef {
  type: string;
  id: string;
  attributes?: Record<string, unknown>;
}

export interface Reason {
  policy_id: string | null;
  effect: 'permit' | 'forbid';
  principles: string[];
  error_code?: string;
  message?: string;
}

export interface Finding {
  detector: string;
  kind: string;
  start: number;
  end: number;
  confidence: number;
}

export interface Obligation {
  type: 'redact' | 'require_human_review';
  spans?: { start: number; end: number; kind: string }[];
  redacted_content?: string;
  approval_id?: string;
}

export interface EvaluationRequest {
  principal: EntityRef;
  action: string;
  resource: EntityRef;
  context?: Record<string, unknown>;
  content?: string;
}

export interface Simulation {
  decision: 'allow' | 'deny';
  reasons: Reason[];
  findings: Finding[];
  obligations: Obligation[];
  context: Record<string, unknown>;
  bundle_hash: string | null;
  constitution_hash: string | null;
  candidate: boolean;
  logged: false;
}

export interface StoredDecision {
  id: string;
  created_at: string;
  caller_id: string | null;
  principal: EntityRef;
  action: string;
  resource: EntityRef;
  context: Record<string, unknown>;
  content_digest: string | null;
  content: string | null;
  decision: 'allow' | 'deny';
  reasons: Reason[];
  findings: Finding[];
  obligations: Obligation[];
  bundle_hash: string | null;
  constitution_hash: string | null;
  latency_us: number;
  request_id: string | null;
  approval_id: string | null;
}

export const ACTIONS = ['generate', 'respond', 'tool_call', 'retrieve', 'write_memory', 'send_external'] as const;
export const PRINCIPAL_TYPES = ['Agent', 'User'] as const;
export const RESOURCE_TYPES = ['Model', 'Tool', 'Dataset', 'Document', 'Channel'] as const;
