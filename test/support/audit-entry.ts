import type { AuditEntry } from '../../src/domain/audit/entry.js';

/** An audit entry at `index` with a time derived from it, for trees built in memory. */
export function auditEntry(
  index: number,
  action: string,
  resource: string,
  details: Record<string, unknown> = {},
): AuditEntry {
  return {
    leaf_index: index,
    timestamp: new Date(1_700_000_000_000 + index).toISOString(),
    user_id: null,
    action,
    resource,
    details,
    source_ip: null,
    request_id: null,
  };
}
