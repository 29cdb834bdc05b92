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

  record(event: AuditEvent, tx: Queryable = this.db): Promise<void> {
    return this.recordMany([event], tx);
  }

  /** Appends several events with one statement, in order. */
  async recordMany(events: readonly AuditEvent[], tx: Queryable = this.db): Promise<void> {
    if (events.length === 0) return;
    const params: unknown[] = [];
    const rows = events.map((event, index) => {
      params.push(event.userId, event.action, event.resource, JSON.stringify(event.details ?? {}), event.sourceIp ?? null, event.requestId ?? null);
      const base = index * 6;
      return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6})`;
    });
    await tx.query(`INSERT INTO audit_logs (user_id, action, resource, details, source_ip, request_id) VALUES ${rows.join(', ')}`, params);
  }
}
