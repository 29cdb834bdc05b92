import type { AmendmentRecord, PrincipleRecord, VersionRecord } from '../../domain/constitution/store.js';
import { isoOrNull } from '../../platform/http/iso-time.js';

export function principleView(record: PrincipleRecord) {
  return {
    id: record.id,
    key: record.key,
    title: record.title,
    description: record.description,
    category: record.category,
    priority: record.priority,
    scope: record.scope,
    normative_statement: record.normative_statement,
    rationale: record.rationale,
    constraints: record.constraints,
    status: record.status,
    version: record.version,
    created_by: record.createdBy,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}

export function versionView(record: VersionRecord) {
  return {
    version: record.version,
    hash: record.hash,
    principles: record.document.principles,
    meta_rules: record.document.meta_rules,
    enacted_at: record.enactedAt.toISOString(),
    enacted_by: record.enactedBy,
    enacted_by_amendment: record.enactedByAmendment,
  };
}

export function amendmentView(record: AmendmentRecord) {
  return {
    id: record.id,
    title: record.title,
    rationale: record.rationale,
    changes: record.changes,
    principle_keys: record.principleKeys,
    status: record.status,
    proposed_by: record.proposedBy,
    created_at: record.createdAt.toISOString(),
    opened_at: isoOrNull(record.openedAt),
    deadline: isoOrNull(record.deadline),
    closed_at: isoOrNull(record.closedAt),
    council_size: record.councilSize,
    rules: record.rules,
    outcome: record.outcome,
    base_version: record.baseVersion,
    enacted_version: record.enactedVersion,
  };
}
