import { entryBytes, entryFromRow, type AuditEntry, type AuditEvent, type AuditRow } from '../../domain/audit/entry.js';
import { appendToFrontier, frontierCoordinates } from '../../domain/audit/frontier.js';
import type { Hash } from '../../domain/audit/merkle.js';
import type { Database, Queryable } from '../db/database.js';
import { valuesList } from '../db/values.js';
import { findUnacceptable } from '../../domain/text/unstorable-strings.js';
import { AppError, ConflictError, ValidationError } from '../../domain/errors.js';
import { AuditReader } from './reader.js';

export type { AuditEvent } from '../../domain/audit/entry.js';

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
   * Acknowledges rows lost from the end of the log so it can go on: the gap is recorded (audit_gaps) and recorded in
   * the log itself as the first entry after it (`audit.gap_acknowledged`), and the tree continues after the lost
   * leaves, whose stored hashes stay: heads signed before the loss stay consistent with every head signed after it,
   * and `acgs audit verify` lists the gap for as long as the log exists. Refused when nothing is missing, or when the
   * lost leaves' hashes are gone too (then only a backup brings the log back).
   */
  async acknowledgeGap(reason: string, acknowledgedBy: string): Promise<{ gap: [number, number]; entry: AuditEntry }> {
    return this.db.transaction(async (tx) => {
      const [position] = await tx.query<{ tree_size: number; stored_leaves: number; signed_size: number }>(
        'SELECT tree_size, stored_leaves, signed_size FROM audit_append_position($1) LIMIT 1',
        [AUDIT_APPEND_LOCK_KEY],
      );
      const size = Number(position!.tree_size);
      const signed = Number(position!.signed_size);
      const end = Math.max(Number(position!.stored_leaves), signed);
      if (end <= size)
        throw new ConflictError(
          `The audit log is whole (${size} leaves): there is no gap to acknowledge`,
          'AUDIT_LOG_WHOLE',
        );
      const [kept] = await tx.query<{ n: number }>(
        'SELECT count(*)::bigint AS n FROM audit_tree_nodes WHERE level = 0 AND idx >= $1 AND idx < $2',
        [size, end],
      );
      if (Number(kept!.n) !== end - size)
        throw new AppError(
          'unprocessable',
          'AUDIT_GAP_UNRECOVERABLE',
          `The rows of leaves ${size}–${end - 1} are gone and so are ${end - size - Number(kept!.n)} of their leaf hashes: the tree cannot continue past them. Restore the latest backup (acgs restore).`,
        );
      await tx.query(
        'INSERT INTO audit_gaps (first_missing, resumes_at, reason, acknowledged_by) VALUES ($1, $2, $3, $4)',
        [size, end, reason, acknowledgedBy],
      );
      const [entry] = await this.append(
        [
          {
            userId: null,
            action: 'audit.gap_acknowledged',
            resource: 'audit_log',
            details: {
              first_missing: size,
              resumes_at: end,
              newest_signed_size: signed,
              reason,
              acknowledged_by: acknowledgedBy,
            },
          },
        ],
        tx,
      );
      return { gap: [size, end], entry: entry! };
    });
  }

  /**
   * Brings rows written before the log became a Merkle tree (migration 0005) into it, in id order, keeping their
   * timestamps. Runs only in the start-up that applied that migration, so a row slipped in later is never adopted
   * and `acgs audit verify` keeps reporting it.
   */
  async adoptRowsFromBeforeTheTree(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const { size, frontier } = await this.lockTree(tx);
      const rows = await new AuditReader(tx).rowsOutsideTheTree();
      if (rows.length === 0) return 0;
      const entries = rows.map((row, offset) => entryFromRow(row, size + offset));
      // Stored timestamps carry microseconds; the leaf commits to what readers get back (milliseconds), so store that.
      const nodes = nodeColumns(await appendToFrontier(size, frontier, entries.map(entryBytes)));
      await tx.query(
        `WITH nodes AS (INSERT INTO audit_tree_nodes (level, idx, hash) SELECT * FROM unnest($4::smallint[], $5::bigint[], $6::bytea[]))
         UPDATE audit_logs AS a SET leaf_index = u.leaf_index, timestamp = u.ts
           FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[]) AS u(id, leaf_index, ts) WHERE a.id = u.id`,
        [
          rows.map((row) => row.id),
          entries.map((entry) => entry.leaf_index),
          entries.map((entry) => entry.timestamp),
          ...nodes,
        ],
      );
      return rows.length;
    });
  }

  /**
   * Takes the append lock for the rest of the transaction and returns the tree size it then owns with that tree's
   * frontier: one call of audit_append_position (migration 0023), as it is a round trip made holding the lock.
   */
  private async lockTree(tx: Queryable): Promise<{ size: number; frontier: Map<string, Hash> }> {
    const rows = await tx.query<{
      tree_size: number;
      level: number | null;
      idx: number | null;
      hash: Uint8Array | null;
      stored_leaves: number;
      signed_size: number;
    }>('SELECT tree_size, level, idx, hash, stored_leaves, signed_size FROM audit_append_position($1)', [
      AUDIT_APPEND_LOCK_KEY,
    ]);
    const size = Number(rows[0]!.tree_size);
    const damage = auditDamage(size, Number(rows[0]!.stored_leaves), Number(rows[0]!.signed_size));
    if (damage !== null) throw damagedLogError(damage);
    const frontier = new Map<string, Hash>();
    for (const row of rows) {
      if (row.hash !== null) frontier.set(`${row.level}:${Number(row.idx)}`, Buffer.from(row.hash));
    }
    const missing = frontierCoordinates(size).find(([level, index]) => !frontier.has(`${level}:${index}`));
    if (missing !== undefined) throw new Error(`audit tree node ${missing[0]}:${missing[1]} is missing`);
    return { size, frontier };
  }

  private async append(events: readonly AuditEvent[], tx: Queryable): Promise<AuditEntry[]> {
    for (const event of events) {
      const found = findUnacceptable(event, 'event');
      if (found !== null)
        throw new ValidationError(`audit event ${event.action}: ${found.path} ${found.reason}`, found.code);
    }
    const started = performance.now();
    const { size, frontier } = await this.lockTree(tx);
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
    // Rows and the subtree hashes they complete go in one statement. The leaves are hashed from the entries as meant
    // and the rows as stored are read back: the two differ wherever the database normalises (a lone surrogate
    // becomes U+FFFD), and a leaf that does not commit to the stored row would never verify again. Where they differ
    // the event is refused and the transaction, nodes included, is rolled back, so no record says less than given.
    const leafData = entries.map(entryBytes);
    const nodes = nodeColumns(await appendToFrontier(size, frontier, leafData));
    const nodeParams = values.params.length;
    const stored = await tx.query<AuditRow>(
      `WITH nodes AS (INSERT INTO audit_tree_nodes (level, idx, hash)
                      SELECT * FROM unnest($${nodeParams + 1}::smallint[], $${nodeParams + 2}::bigint[], $${nodeParams + 3}::bytea[]))
       INSERT INTO audit_logs (leaf_index, timestamp, user_id, action, resource, details, source_ip, request_id) VALUES ${values.sql}
       RETURNING id, leaf_index, timestamp, user_id, action, resource, details, source_ip, request_id`,
      [...values.params, ...nodes],
    );
    const committed = stored.map((row) => entryFromRow(row)).sort((a, b) => a.leaf_index - b.leaf_index);
    for (const [offset, entry] of committed.entries()) {
      if (!entryBytes(entry).equals(leafData[offset]!)) {
        throw new ValidationError(
          `audit event ${entries[offset]!.action} holds a value the database does not store as given`,
          'INVALID_STRING',
        );
      }
    }
    this.onAppend((performance.now() - started) / 1000);
    return committed;
  }
}

/** Rows missing from the end of the log: which leaves, and what shows they existed. */
export interface AuditDamage {
  first: number;
  end: number;
  evidence: string;
}

/**
 * Rows missing from the end of the log: leaf hashes stored, or a head signed, past the last row. Appending would
 * reuse those leaf indexes, so nothing is appended until the log is restored or the gap acknowledged (docs/audit.md).
 */
export function auditDamage(size: number, storedLeaves: number, signedSize: number): AuditDamage | null {
  const end = Math.max(storedLeaves, signedSize);
  if (end <= size) return null;
  return {
    first: size,
    end,
    evidence: signedSize > size ? `a head was signed at size ${signedSize}` : 'their leaf hashes are stored',
  };
}

export const describeDamage = (damage: AuditDamage): string =>
  `the rows of audit log leaves ${damage.first}–${damage.end - 1} are missing (${damage.evidence})`;

function damagedLogError(damage: AuditDamage): AppError {
  return new AppError(
    'unavailable',
    'AUDIT_LOG_DAMAGED',
    `The audit log is damaged: ${describeDamage(damage)}, so nothing is recorded until it is repaired. Run \`acgs doctor\`; ` +
      'recover by restoring the latest backup (`acgs restore`) or, to go on with the gap on the record, ' +
      '`acgs audit reanchor --reason "…"` (docs/audit.md#recovery)',
  );
}

/** Created subtree nodes as the three arrays an unnest insert takes. */
function nodeColumns(nodes: readonly [number, number, Hash][]): [number[], number[], Hash[]] {
  return [nodes.map(([level]) => level), nodes.map(([, index]) => index), nodes.map(([, , hash]) => hash)];
}
