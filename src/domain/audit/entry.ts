import { canonicalJson } from '../canonical-json.js';

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
  return Buffer.from(canonicalJson(entry), 'utf8');
}
