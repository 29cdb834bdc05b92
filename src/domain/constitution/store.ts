import type { GovernanceEvent } from '../audit/entry.js';
import type { CreatedAtId } from '../pagination.js';
import type { Role } from '../auth/roles.js';
import type {
  AmendmentChange,
  AmendmentStatus,
  ConstitutionDocument,
  MetaRules,
  PrincipleContent,
  PrincipleStatus,
  Vote,
} from './types.js';
import type { TallyResult } from './tally.js';

export interface PrincipleRecord extends PrincipleContent {
  id: string;
  status: PrincipleStatus;
  version: number;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface VersionRecord {
  version: number;
  hash: string;
  document: ConstitutionDocument;
  enactedAt: Date;
  enactedBy: string | null;
  enactedByAmendment: string | null;
}

export interface AmendmentRecord {
  id: string;
  title: string;
  rationale: string;
  changes: AmendmentChange[];
  principleKeys: string[];
  touchesMetaRules: boolean;
  status: AmendmentStatus;
  proposedBy: string;
  createdAt: Date;
  openedAt: Date | null;
  deadline: Date | null;
  closedAt: Date | null;
  councilSize: number | null;
  /** The amendment rules in force when voting opened; the tally uses these, not later ones. */
  rules: MetaRules['amendments'] | null;
  outcome: (Omit<TallyResult, 'decided'> & { decided: string | null; enactment_error?: string }) | null;
  baseVersion: number | null;
  enactedVersion: number | null;
}

export interface VoteRecord {
  voterId: string;
  vote: Vote;
  reason: string;
  castAt: Date;
  updatedAt: Date;
}

export interface CommentRecord {
  id: string;
  authorId: string;
  body: string;
  createdAt: Date;
}

export interface PrincipleFilter {
  status?: PrincipleStatus;
  category?: string;
  text?: string;
  afterKey?: string;
  limit: number;
}

export interface AmendmentFilter {
  status?: AmendmentStatus;
  limit: number;
  before?: CreatedAtId;
}

/** Everything the constitution logic reads and writes; one instance is bound to one transaction or to none. */
export interface ConstitutionStore {
  /** Runs fn in one transaction: every write in it commits together or not at all. */
  transaction<T>(fn: (tx: ConstitutionStore) => Promise<T>): Promise<T>;
  /** Serialises constitution changes (enactments, bootstrap) across processes until the transaction ends. */
  lockConstitution(): Promise<void>;

  currentVersion(): Promise<VersionRecord | null>;
  version(version: number): Promise<VersionRecord | null>;
  listVersions(): Promise<Omit<VersionRecord, 'document'>[]>;
  insertVersion(record: Omit<VersionRecord, 'enactedAt'>): Promise<void>;

  metaRules(): Promise<MetaRules | null>;
  saveMetaRules(rules: MetaRules, actorId: string | null): Promise<void>;

  findPrinciple(id: string): Promise<PrincipleRecord | null>;
  findPrincipleByKey(key: string): Promise<PrincipleRecord | null>;
  listPrinciples(filter: PrincipleFilter): Promise<PrincipleRecord[]>;
  principlesWithStatus(status: PrincipleStatus): Promise<PrincipleRecord[]>;
  insertPrinciple(record: Omit<PrincipleRecord, 'createdAt' | 'updatedAt' | 'version'>): Promise<PrincipleRecord>;
  /** Writes new content if the stored version is still expectedVersion; null when it is not (or gone). */
  updatePrinciple(
    id: string,
    content: PrincipleContent,
    status: PrincipleStatus,
    expectedVersion: number,
  ): Promise<PrincipleRecord | null>;
  deletePrinciple(id: string): Promise<void>;

  insertAmendment(record: AmendmentRecord): Promise<void>;
  findAmendment(id: string, lock?: boolean): Promise<AmendmentRecord | null>;
  listAmendments(filter: AmendmentFilter): Promise<AmendmentRecord[]>;
  updateAmendment(record: AmendmentRecord): Promise<void>;
  /** Open amendments (other than excludeId) that touch any of these keys, or the meta-rules when metaRules is set. */
  openAmendmentsTouching(keys: string[], metaRules: boolean, excludeId: string): Promise<AmendmentRecord[]>;
  dueAmendmentIds(now: Date): Promise<string[]>;

  upsertVote(amendmentId: string, voterId: string, vote: Vote, reason: string): Promise<void>;
  votes(amendmentId: string): Promise<VoteRecord[]>;
  insertComment(amendmentId: string, comment: CommentRecord): Promise<void>;
  comments(amendmentId: string): Promise<CommentRecord[]>;

  councilSize(voterRoles: readonly Role[]): Promise<number>;
  audit(event: GovernanceEvent): Promise<void>;
  /** Announces a committed change (delivered when the surrounding transaction commits). */
  notify(channel: string, payload: Record<string, unknown>): Promise<void>;
}
