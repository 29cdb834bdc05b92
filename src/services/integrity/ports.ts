import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { PrincipleContent } from '../../domain/constitution/types.js';
import type { Reason } from '../../domain/enforcement/decide.js';
import type { EntityRef } from '../../domain/enforcement/engine.js';
import type { Queryable } from '../../platform/db/database.js';

/**
 * What the services below ac and pgc read of the tables those two own. Integrity may not import either service, so
 * it declares what it asks here; the owners answer (`ac/constitution-reader.ts`, `pgc/decision-log/reader.ts`), and the
 * process's composition (`services/catalog.ts`) hands the answers in. Each takes the caller's `Queryable`, so a read
 * inside a transaction sees that transaction.
 */

/** A constitution version, without its document. */
export interface ConstitutionRef {
  version: number;
  hash: string;
  enacted_at: string;
}

/** A constitution version with its principles: what verification proves against. */
export interface ConstitutionInForce extends ConstitutionRef {
  principles: PrincipleContent[];
}

export interface ConstitutionReader {
  /** The newest enacted version with its principles; null before the first enactment. */
  inForce(q: Queryable): Promise<ConstitutionInForce | null>;
  /** The newest enacted version without its document (a cheap poll). */
  refInForce(q: Queryable): Promise<ConstitutionRef | null>;
  /** The version whose hash this is, if one is. */
  versionWithHash(q: Queryable, hash: string): Promise<number | null>;
  /** One version with its principles, named by number or by hash; null when none is. */
  withPrinciples(q: Queryable, which: { version: number } | { hash: string }): Promise<ConstitutionInForce | null>;
}

/** A logged decision as a replay reads it. */
export interface RecordedDecision {
  id: string;
  principal: EntityRef;
  action: string;
  resource: EntityRef;
  /** The context Cedar saw, detector values included (with the defaults of attributes added since). */
  context: Record<string, CedarValueJson>;
  decision: 'allow' | 'deny';
  reasons: Reason[];
}

/** Who asked for a decision and what decided it: what an appeal of it needs. */
export interface DecisionFacts {
  caller_id: string | null;
  reasons: Reason[];
  bundle_hash: string | null;
}

export interface DecisionReader {
  /** Decisions logged from `since` on (all when null), newest first, at most `limit`. */
  recent(q: Queryable, since: string | null, limit: number): Promise<RecordedDecision[]>;
  /** The facts of one logged decision; null when no decision has this id. */
  facts(q: Queryable, id: string): Promise<DecisionFacts | null>;
}

/** The readers a service of this process is handed. */
export interface OwnersReaders {
  constitutions: ConstitutionReader;
  decisions: DecisionReader;
}
