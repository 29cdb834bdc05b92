import type { Queryable } from './db/database.js';

export interface AuditEvent {
  userId: string | null;
  action: string;
  resource: string;
  details?: Record<string, unknown>;
  sourceIp?: string | null;
  requestId?: string | null;
}

/** Appends governance and security events to audit_logs; pass a transaction to make the event part of the change. */
export class AuditLog {
  constructor(private readonly db: Queryable) {}

  async record(event: AuditEvent, tx: Queryable = this.db): Promise<void> {
    await tx.query(
      `INSERT INTO audit_logs (user_id, action, resource, details, source_ip, request_id) VALUES ($1, $2, $3, $4, $5, $6)`,
      [event.userId, event.action, event.resource, JSON.stringify(event.details ?? {}), event.sourceIp ?? null, event.requestId ?? null],
    );
  }
}
