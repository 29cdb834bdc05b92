import {
  entryBytes,
  entryFromRow,
  entryText,
  type AuditEntry,
  type AuditEvent,
  type AuditRow,
} from '../../domain/audit/entry.js';
import { advanceFrontier, appendToFrontier, frontierCoordinates } from '../../domain/audit/frontier.js';
import type { Hash } from '../../domain/audit/merkle.js';
import type { Database, Queryable } from '../db/database.js';
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
  /** Where this writer's last append left the log, as far as it knows: a guess audit_append_at checks under the lock. */
  private position: TreePosition | null = null;
  /** This writer's appends outside a caller's transaction, one after another, each starting where the last ended. */
  private appending: Promise<unknown> = Promise.resolve();

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
    if (tx === undefined) return this.recordAlong(events, null);
    // Whether the caller's transaction commits is not known here, so where the log ends is no longer known either.
    this.position = null;
    return (await this.append(events, tx)).entries;
  }

  /**
   * Appends the events and makes the caller's change (one data-modifying statement, its parameters $1…$n) in the
   * same atomic step. Where this writer knows where the log ends, that is a single statement (audit_append_at,
   * migration 0034); where it does not, or the log has moved on since, it is a transaction that locks the log and
   * reads its end first.
   */
  recordAlong(events: readonly AuditEvent[], change: Change | null): Promise<AuditEntry[]> {
    const turn = this.appending.then(() => this.appendOnce(events, change));
    this.appending = turn.catch(() => undefined);
    return turn;
  }

  private async appendOnce(events: readonly AuditEvent[], change: Change | null): Promise<AuditEntry[]> {
    refuseUnacceptable(events);
    const known = this.position;
    this.position = null;
    if (known !== null) {
      const started = performance.now();
      const batch = await prepareAppend(events, known);
      const offset = change?.params.length ?? 0;
      const call = `SELECT * FROM audit_append_at(${Array.from({ length: 9 }, (_, i) => `$${offset + i + 1}`).join(', ')})`;
      try {
        const rows = await this.db.query<AuditRow>(change === null ? call : `WITH change AS (${change.sql}) ${call}`, [
          ...(change?.params ?? []),
          ...appendParameters(known, batch),
        ]);
        this.position = batch.next;
        this.onAppend((performance.now() - started) / 1000);
        return rows.map((row) => entryFromRow(row));
      } catch (error) {
        if ((error as { code?: unknown }).code !== AUDIT_MOVED_ON) throw error;
      }
    }
    const { entries, next } = await this.db.transaction(async (tx) => {
      if (change !== null) await tx.query(change.sql, change.params);
      return this.append(events, tx);
    });
    this.position = next;
    return entries;
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
      this.position = null;
      const {
        entries: [entry],
      } = await this.append(
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
    this.position = null;
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
  private async lockTree(tx: Queryable): Promise<TreePosition> {
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

  /** Appends inside the caller's transaction: the lock taken and the log's end read first. */
  private async append(
    events: readonly AuditEvent[],
    tx: Queryable,
  ): Promise<{ entries: AuditEntry[]; next: TreePosition }> {
    refuseUnacceptable(events);
    const started = performance.now();
    const position = await this.lockTree(tx);
    const batch = await prepareAppend(events, position);
    const rows = await tx.query<AuditRow>(
      'SELECT * FROM audit_append_at($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      appendParameters(position, batch),
    );
    this.onAppend((performance.now() - started) / 1000);
    return { entries: rows.map((row) => entryFromRow(row)), next: batch.next };
  }
}

/** A tree's size and the complete subtrees on its right edge: all an append needs to hash its nodes. */
interface TreePosition {
  size: number;
  frontier: Map<string, Hash>;
}

/** A data-modifying statement made atomically with an append, with its parameters ($1…$n). */
export interface Change {
  sql: string;
  params: readonly unknown[];
}

/** audit_append_at's refusal when the log does not end where the writer thought (migration 0034). */
const AUDIT_MOVED_ON = 'AU001';

function refuseUnacceptable(events: readonly AuditEvent[]): void {
  for (const event of events) {
    const found = findUnacceptable(event, 'event');
    if (found !== null)
      throw new ValidationError(`audit event ${event.action}: ${found.path} ${found.reason}`, found.code);
  }
}

/** The events as entries from `at`, each as the canonical JSON its leaf hashes, the nodes they complete, and the end. */
async function prepareAppend(
  events: readonly AuditEvent[],
  at: TreePosition,
): Promise<{ texts: string[]; nodes: [number, number, Hash][]; next: TreePosition }> {
  const timestamp = new Date().toISOString();
  const texts = events.map((event, offset) =>
    entryText({
      leaf_index: at.size + offset,
      timestamp,
      user_id: event.userId,
      action: event.action,
      resource: event.resource,
      details: event.details ?? {},
      source_ip: event.sourceIp ?? null,
      request_id: event.requestId ?? null,
    }),
  );
  const nodes = await appendToFrontier(
    at.size,
    at.frontier,
    texts.map((text) => Buffer.from(text, 'utf8')),
  );
  const size = at.size + texts.length;
  return { texts, nodes, next: { size, frontier: advanceFrontier(at.frontier, nodes, size) } };
}

/**
 * audit_append_at's arguments: the lock key, the position appended at (size and frontier, which it checks),
 * the entries (their rows are written from them and compared with them as stored) and the nodes they complete.
 */
function appendParameters(at: TreePosition, batch: { texts: string[]; nodes: [number, number, Hash][] }): unknown[] {
  const frontier = [...at.frontier].map(([key, hash]) => {
    const [level, index] = key.split(':').map(Number) as [number, number];
    return [level, index, hash] as [number, number, Hash];
  });
  return [AUDIT_APPEND_LOCK_KEY, at.size, ...nodeColumns(frontier), batch.texts, ...nodeColumns(batch.nodes)];
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
