import { createHash, randomUUID } from 'node:crypto';
import { policyMetadata, validatePolicies, type PolicyProblem } from '../../domain/policy/cedar.js';
import { GOVERNANCE_SCHEMA } from '../../domain/policy/governance-schema.js';
import { policiesFromSource } from '../../domain/policy/policy-files.js';
import type { AuditLog } from '../../platform/audit.js';
import type { Database } from '../../platform/db/database.js';
import { AppError, ValidationError } from '../../platform/errors.js';

export interface SubmittedRule {
  id: string;
  policy_id: string;
  version: number;
  name: string;
  status: 'draft';
  principle_keys: string[];
  content_hash: string;
  created_at: string;
}

/** 400 with Cedar's diagnostics, each with the policy, line and column. */
class CedarDiagnosticsError extends AppError {
  constructor(readonly diagnostics: PolicyProblem[]) {
    super(400, 'INVALID_CEDAR', diagnostics.map((d) => `${d.policy_id ?? 'policy'}${d.line === null ? '' : `:${d.line}:${d.column}`}: ${d.message}`).join('; '));
  }
}

/**
 * Takes one Cedar policy (with @id, ideally @principle) for review: validated against the governance schema, then
 * stored in the policy store as a draft — the next version when the policy id already exists. Nothing is enforced
 * until a bundle containing it is activated.
 */
export async function submitRule(db: Database, audit: AuditLog, input: { source: string; name?: string; description?: string }, authorId: string): Promise<SubmittedRule> {
  const policies = policiesFromSource(input.source, 'source');
  const ids = Object.keys(policies);
  if (ids.length !== 1) throw new ValidationError(`submit exactly one policy per request (got ${ids.length})`, 'ONE_POLICY_PER_RULE');
  const policyId = ids[0]!;
  const problems = validatePolicies(policies, GOVERNANCE_SCHEMA);
  if (problems.length > 0) throw new CedarDiagnosticsError(problems);
  const text = policies[policyId]!;
  const principles = (policyMetadata(text).annotations['principle'] ?? '').split(',').map((key) => key.trim()).filter(Boolean);
  const contentHash = createHash('sha256').update(text, 'utf8').digest('hex');
  return db.transaction(async (tx) => {
    const latest = await tx.query<{ version: number }>('SELECT max(version) AS version FROM policies WHERE policy_id = $1', [policyId]);
    const version = (latest[0]?.version ?? 0) + 1;
    const rows = await tx.query<{ id: string; created_at: Date }>(
      `INSERT INTO policies (id, policy_id, version, name, description, source, principle_keys, status, content_hash, author)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9) RETURNING id, created_at`,
      [randomUUID(), policyId, version, input.name ?? policyId, input.description ?? '', text, principles, contentHash, authorId],
    );
    await audit.record({ userId: authorId, action: 'policy.submitted', resource: `policy:${policyId}:${version}`, details: { content_hash: contentHash, principles } }, tx);
    return { id: rows[0]!.id, policy_id: policyId, version, name: input.name ?? policyId, status: 'draft', principle_keys: principles, content_hash: contentHash, created_at: rows[0]!.created_at.toISOString() };
  });
}
