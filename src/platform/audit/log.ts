import { entryBytes, entryFromRow, type AuditEntry, type AuditRow } from '../../domain/audit/entry.js';
import { appendToFrontier } from '../../domain/audit/frontier.js';
import type { Database, Queryable } from '../db/database.js';
import { valuesList } from '../db/values.js';
import { findUnstorableString } from '../../domain/text/unstorable-strings.js';
import { ValidationError } from '../../domain/errors.js';
import { AuditReader } from './reader.js';

export interface AuditEvent {
  userId: string | null;
  action: string;
  resource: string;
  details?: Record<string, unknown>;
  sourceIp?: string | null;
  requestId?: string | null;
}

// Any constant works, as long as every process appending to this log uses the same one.
const AUDIT_APPEND_LOCK_KEY = 727_170_4;

/**
 * Appends governance and security events to the Merkle audit log (RFC 9162). Appends are serialised by an advisory
 * lock held until the surrounding transaction commits, so leaf indexes stay dense and in commit order; each append
 * writes the row and the subtree hashes it completes. Pass a transaction to make the events part of a change.
 */
export class AuditLog {
  /** `onAppend` hears how long each append held the log (lock, row and subtree writes; the commit is the caller's). */
  constructor(
    private readonly db: Database,
    private readonly onAppend: (seconds: number) => void = () => undefined,
  ) {}

  async record(event: AuditEvent, tx?: Queryable): Promise<AuditEntry> {
    return (await this.recordMany([event], tx))[0]!;
  }

  async recordMany(events: readonly AuditEvent[], tx?: Queryable): Promise<AuditEntry[]> {
    if (events.length === 0) return [];
    // The lock must live as long as a transaction, so an append outside one gets its own.
    if (tx === undefined) return this.db.transaction((own) => this.append(events, own));
    return this.append(events, tx);
  }

  /**
   * Brings rows written before the log became a Merkle tree (migration 0005) into it, in id order, keeping their
   * timestamps. Runs only in the start-up that applied that migration, so a row slipped in later is never adopted
   * and `acgs audit verify` keeps reporting it.
   */
  async adoptRowsFromBeforeTheTree(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const size = await this.lockTree(tx);
      const rows = await new AuditReader(tx).rowsOutsideTheTree();
      if (rows.length === 0) return 0;
      const entries = rows.map((row, offset) => entryFromRow(row, size + offset));
      // Stored timestamps carry microseconds; the leaf commits to what readers get back (milliseconds), so store that.
      await tx.query(
        'UPDATE audit_logs AS a SET leaf_index = u.leaf_index, timestamp = u.ts FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[]) AS u(id, leaf_index, ts) WHERE a.id = u.id',
        [rows.map((row) => row.id), entries.map((entry) => entry.leaf_index), entries.map((entry) => entry.timestamp)],
      );
      await this.extendTree(tx, size, entries.map(entryBytes));
      return rows.length;
    });
  }

  /** Takes the append lock for the rest of the transaction and returns the tree size it then owns. */
  private async lockTree(tx: Queryable): Promise<number> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_APPEND_LOCK_KEY]);
    return new AuditReader(tx).size();
  }

  /** Hashes entries in as leaves size, size+1, … and stores every subtree hash they complete. */
  private async extendTree(tx: Queryable, size: number, leafData: readonly Buffer[]): Promise<void> {
    const nodes = await appendToFrontier(size, await new AuditReader(tx).frontier(size), leafData);
    await tx.query(
      'INSERT INTO audit_tree_nodes (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])',
      [nodes.map(([level]) => level), nodes.map(([, index]) => index), nodes.map(([, , hash]) => hash)],
    );
  }

  private async append(events: readonly AuditEvent[], tx: Queryable): Promise<AuditEntry[]> {
    for (const event of events) {
      const found = findUnstorableString(event, 'event');
      if (found !== null)
        throw new ValidationError(`audit event ${event.action}: ${found.path} ${found.reason}`, 'INVALID_STRING');
    }
    const started = performance.now();
    const size = await this.lockTree(tx);
    const timestamp = new Date();
    const entries: AuditEntry[] = events.map((event, offset) => ({
      leaf_index: size + offset,
      timestamp: timestamp.toISOString(),
      user_id: event.userId,
      action: event.action,
      resource: event.resource,
      details: event.details ?? {},
      source_ip: event.sourceIp ?? null,
      request_id: event.requestId ?? null,
    }));
    const values = valuesList(
      entries.map((entry) => [
        entry.leaf_index,
        timestamp,
        entry.user_id,
        entry.action,
        entry.resource,
        JSON.stringify(entry.details),
        entry.source_ip,
        entry.request_id,
      ]),
    );
    // The leaf commits to the row as stored, read back, never to the values we meant to store: the two differ
    // wherever the database normalises (a lone surrogate becomes U+FFFD), and a leaf hashed from the wrong one
    // would never verify again. Where they differ the event is refused, so no record says less than was given.
    const stored = await tx.query<AuditRow>(
      `INSERT INTO audit_logs (leaf_index, timestamp, user_id, action, resource, details, source_ip, request_id) VALUES ${values.sql}
       RETURNING id, leaf_index, timestamp, user_id, action, resource, details, source_ip, request_id`,
      values.params,
    );
    const committed = stored.map((row) => entryFromRow(row)).sort((a, b) => a.leaf_index - b.leaf_index);
    // Each entry is canonicalised once: the bytes compared are the bytes hashed into the tree.
    const leafData = committed.map(entryBytes);
    for (const [offset, bytes] of leafData.entries()) {
      if (!bytes.equals(entryBytes(entries[offset]!))) {
        throw new ValidationError(
          `audit event ${entries[offset]!.action} holds a value the database does not store as given`,
          'INVALID_STRING',
        );
      }
    }
    await this.extendTree(tx, size, leafData);
    this.onAppend((performance.now() - started) / 1000);
    return committed;
  }
}
