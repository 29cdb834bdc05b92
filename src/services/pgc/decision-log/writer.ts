import type { AuditLog } from '../../../platform/audit/log.js';
import { valuesList } from '../../../platform/db/values.js';

/** One decision as it is logged: what was asked, what was decided and why, and by which bundle. */
export interface DecisionRecord {
  id: string;
  createdAt: Date;
  callerId: string | null;
  principal: unknown;
  action: string;
  resource: unknown;
  context: unknown;
  contentDigest: string | null;
  content: string | null;
  decision: 'allow' | 'deny';
  reasons: unknown;
  findings: unknown;
  obligations: unknown;
  bundleHash: string | null;
  constitutionHash: string | null;
  latencyUs: number;
  requestId: string;
  requestDigest: string;
  /** The approval this decision used (its grant set context.human_approved), cited in the decision's log entry. */
  approvalId: string | null;
  /** The OpenTelemetry trace it was decided in (tracing on), cited in the decision's log entry so its receipt has it. */
  traceId: string | null;
}

/**
 * Writes a batch of decisions and their audit leaves in one transaction: all of them or none. Answers each record's
 * leaf index in the audit log, in the records' order.
 */
export interface DecisionWriter {
  write(records: readonly DecisionRecord[]): Promise<number[]>;
  close(): Promise<void>;
}

/** Writes on the given database from the calling thread (PGlite, or anywhere a thread of its own is not wanted). */
export class DatabaseDecisionWriter implements DecisionWriter {
  constructor(private readonly audit: AuditLog) {}

  async write(records: readonly DecisionRecord[]): Promise<number[]> {
    const values = valuesList(
      records.map((record) => [
        record.id,
        record.createdAt,
        record.callerId,
        JSON.stringify(record.principal),
        record.action,
        JSON.stringify(record.resource),
        JSON.stringify(record.context),
        record.contentDigest,
        record.content,
        record.decision,
        JSON.stringify(record.reasons),
        JSON.stringify(record.findings),
        JSON.stringify(record.obligations),
        record.bundleHash,
        record.constitutionHash,
        record.latencyUs,
        record.requestId,
        record.approvalId,
        record.traceId,
      ]),
    );
    // The rows and their audit leaves in one statement where the log's end is known (one round trip), else in one
    // transaction that locks the log first.
    const entries = await this.audit.recordAlong(
      records.map((record) => ({
        userId: record.callerId,
        action: 'decision.evaluated',
        resource: `decision:${record.id}`,
        details: {
          decision: record.decision,
          action: record.action,
          request_digest: record.requestDigest,
          bundle_hash: record.bundleHash,
          constitution_hash: record.constitutionHash,
          at: record.createdAt.toISOString(),
          ...(record.approvalId === null ? {} : { approval_id: record.approvalId }),
          ...(record.traceId === null ? {} : { trace_id: record.traceId }),
        },
        requestId: record.requestId,
      })),
      {
        sql: `INSERT INTO decisions (id, created_at, caller_id, principal, action, resource, context, content_digest, content, decision, reasons,
                                     findings, obligations, bundle_hash, constitution_hash, latency_us, request_id, approval_id, trace_id) VALUES ${values.sql}`,
        params: values.params,
      },
    );
    return entries.map((entry) => entry.leaf_index);
  }

  async close(): Promise<void> {}
}
