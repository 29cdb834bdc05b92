import { canonicalJson } from '../canonical-json.js';

/** An event to record: who did what to which resource; the log adds the index and time. */
export interface AuditEvent {
  userId: string | null;
  action: string;
  resource: string;
  details?: Record<string, unknown>;
  sourceIp?: string | null;
  requestId?: string | null;
}

/** What domain logic records through its ports: the event without the transport's request id and address. */
export type GovernanceEvent = Pick<AuditEvent, 'userId' | 'action' | 'resource' | 'details'>;

/** One audit log entry as it is hashed into its Merkle leaf. */
export interface AuditEntry {
  leaf_index: number;
  timestamp: string;
  user_id: string | null;
  action: string;
  resource: string;
  details: Record<string, unknown>;
  source_ip: string | null;
  request_id: string | null;
}

/** The leaf data: RFC 8785 canonical JSON of the entry, UTF-8. Anyone holding the row can recompute it. */
export function entryBytes(entry: AuditEntry): Buffer {
  return Buffer.from(entryText(entry), 'utf8');
}

/** The leaf data as text: what the database is given to write the entry's row from (migration 0034). */
export const entryText = (entry: AuditEntry): string => canonicalJson(entry);

/** An audit_logs row as the database returns it: the entry's fields, plus the row id, a Date, maybe no index. */
export interface AuditRow extends Omit<AuditEntry, 'leaf_index' | 'timestamp'> {
  id: number;
  leaf_index: number | null;
  timestamp: Date;
}

/** The entry a row commits to as leaf `leafIndex` (its stored index unless one is being assigned). */
export function entryFromRow(row: AuditRow, leafIndex = Number(row.leaf_index)): AuditEntry {
  return {
    leaf_index: leafIndex,
    timestamp: row.timestamp.toISOString(),
    user_id: row.user_id,
    action: row.action,
    resource: row.resource,
    details: row.details,
    source_ip: row.source_ip,
    request_id: row.request_id,
  };
}
