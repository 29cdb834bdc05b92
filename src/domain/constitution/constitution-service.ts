import { CHANNELS } from '../notifications.js';
import { randomUUID } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { Role } from '../auth/roles.js';
import { applyChanges, changeProblems, touchedKeys, touchesMetaRules } from './changes.js';
import { diffConstitutions, type ConstitutionDiff } from './diff.js';
import { rejectProblems } from './document-errors.js';
import { constitutionDocument, constitutionHash } from './hash.js';
import { DEFAULT_META_RULES, metaRuleProblems } from './meta-rules.js';
import { conflictWarnings, principleProblems, type ConflictWarning } from './principles.js';
import { STARTER_CONSTITUTION } from './starter.js';
import type {
  AmendmentFilter,
  AmendmentRecord,
  ConstitutionStore,
  PrincipleFilter,
  PrincipleRecord,
  VersionRecord,
} from './store.js';
import { tally } from './tally.js';
import type { AmendmentChange, ConstitutionDocument, MetaRules, PrincipleContent, Vote } from './types.js';

export interface Actor {
  userId: string;
  roles: readonly Role[];
}

export interface ConstitutionObserver {
  amendmentStatus(status: string): void;
  voteCast(vote: Vote): void;
  versionEnacted(version: number): void;
}

const isAdmin = (actor: Actor) => actor.roles.includes('admin');

/** Principles, versions, meta-rules and the amendment process: the rules of ARCHITECTURE §1, free of HTTP and SQL. */
export class ConstitutionService {
  constructor(
    private readonly store: ConstitutionStore,
    private readonly observer: ConstitutionObserver,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ---- versions ----

  async current(): Promise<VersionRecord> {
    const current = await this.store.currentVersion();
    if (current === null) throw new NotFoundError('No constitution has been enacted yet', 'NO_CONSTITUTION');
    return current;
  }

  async version(version: number): Promise<VersionRecord> {
    const record = await this.store.version(version);
    if (record === null) throw new NotFoundError(`Constitution version ${version} does not exist`, 'VERSION_NOT_FOUND');
    return record;
  }

  listVersions() {
    return this.store.listVersions();
  }

  async diff(from: number, to: number): Promise<{ from: VersionRecord; to: VersionRecord; diff: ConstitutionDiff }> {
    const [left, right] = await Promise.all([this.version(from), this.version(to)]);
    return { from: left, to: right, diff: diffConstitutions(left.document, right.document) };
  }

  /** Loads the starter constitution as version 1 when no version exists; true when it did. */
  async ensureStarter(): Promise<boolean> {
    return this.store.transaction(async (tx) => {
      await tx.lockConstitution();
      if ((await tx.currentVersion()) !== null) return false;
      for (const principle of STARTER_CONSTITUTION.principles) {
        const existing = await tx.findPrincipleByKey(principle.key);
        if (existing === null)
          await tx.insertPrinciple({ ...principle, id: randomUUID(), status: 'active', createdBy: null });
      }
      await this.enactVersion(
        tx,
        constitutionDocument(STARTER_CONSTITUTION.principles, STARTER_CONSTITUTION.meta_rules),
        null,
        null,
      );
      await tx.audit({
        userId: null,
        action: 'constitution.starter_loaded',
        resource: 'constitution:1',
        details: { principles: STARTER_CONSTITUTION.principles.length },
      });
      return true;
    });
  }

  /** Admin-only: enacts the current drafts and meta-rules as version 1 of an empty constitution. */
  async bootstrap(actor: Actor): Promise<VersionRecord> {
    return this.store.transaction(async (tx) => {
      await tx.lockConstitution();
      if ((await tx.currentVersion()) !== null)
        throw new ConflictError('A constitution already exists; change it by amendment', 'CONSTITUTION_EXISTS');
      const drafts = await tx.principlesWithStatus('draft');
      if (drafts.length === 0) throw new ValidationError('There are no draft principles to enact', 'NO_DRAFTS');
      for (const draft of drafts) await tx.updatePrinciple(draft.id, draft, 'active', draft.version);
      const rules = (await tx.metaRules()) ?? DEFAULT_META_RULES;
      const record = await this.enactVersion(tx, constitutionDocument(drafts, rules), actor.userId, null);
      await tx.audit({
        userId: actor.userId,
        action: 'constitution.bootstrapped',
        resource: `constitution:${record.version}`,
        details: { hash: record.hash, principles: drafts.map((draft) => draft.key) },
      });
      return record;
    });
  }

  private async enactVersion(
    tx: ConstitutionStore,
    document: ConstitutionDocument,
    actorId: string | null,
    amendmentId: string | null,
  ): Promise<VersionRecord> {
    const previous = await tx.currentVersion();
    const record = {
      version: (previous?.version ?? 0) + 1,
      hash: constitutionHash(document),
      document,
      enactedBy: actorId,
      enactedByAmendment: amendmentId,
    };
    await tx.insertVersion(record);
    await tx.saveMetaRules(document.meta_rules, actorId);
    await tx.notify(CHANNELS.constitutionChanged, {
      version: record.version,
      hash: record.hash,
      amendment_id: amendmentId,
    });
    this.observer.versionEnacted(record.version);
    return { ...record, enactedAt: this.now() };
  }

  // ---- meta-rules ----

  async metaRules(): Promise<MetaRules> {
    return (await this.store.metaRules()) ?? DEFAULT_META_RULES;
  }

  async setMetaRules(actor: Actor, rules: MetaRules): Promise<MetaRules> {
    rejectProblems(metaRuleProblems(rules), 'INVALID_META_RULES');
    return this.store.transaction(async (tx) => {
      await tx.lockConstitution();
      if ((await tx.currentVersion()) !== null)
        throw new ConflictError('Meta-rules are in force; change them by amendment', 'META_RULES_ACTIVE');
      await tx.saveMetaRules(rules, actor.userId);
      await tx.audit({
        userId: actor.userId,
        action: 'constitution.meta_rules_set',
        resource: 'meta_rules',
        details: { rules },
      });
      return rules;
    });
  }

  // ---- principles ----

  listPrinciples(filter: PrincipleFilter): Promise<PrincipleRecord[]> {
    return this.store.listPrinciples(filter);
  }

  async principle(id: string): Promise<PrincipleRecord> {
    const record = await this.store.findPrinciple(id);
    if (record === null) throw new NotFoundError('Principle not found', 'PRINCIPLE_NOT_FOUND');
    return record;
  }

  async createDraft(
    actor: Actor,
    content: PrincipleContent,
  ): Promise<{ principle: PrincipleRecord; warnings: ConflictWarning[] }> {
    rejectProblems(principleProblems(content), 'INVALID_PRINCIPLE');
    return this.store.transaction(async (tx) => {
      if ((await tx.findPrincipleByKey(content.key)) !== null)
        throw new ConflictError(`A principle with key "${content.key}" already exists`, 'DUPLICATE_KEY');
      const principle = await tx.insertPrinciple({
        ...content,
        id: randomUUID(),
        status: 'draft',
        createdBy: actor.userId,
      });
      await tx.audit({
        userId: actor.userId,
        action: 'principle.created',
        resource: `principle:${principle.key}`,
        details: { id: principle.id },
      });
      return { principle, warnings: conflictWarnings(content, await tx.principlesWithStatus('active')) };
    });
  }

  async updateDraft(
    actor: Actor,
    id: string,
    content: PrincipleContent,
    expectedVersion: number,
  ): Promise<{ principle: PrincipleRecord; warnings: ConflictWarning[] }> {
    rejectProblems(principleProblems(content), 'INVALID_PRINCIPLE');
    return this.store.transaction(async (tx) => {
      const existing = await tx.findPrinciple(id);
      if (existing === null) throw new NotFoundError('Principle not found', 'PRINCIPLE_NOT_FOUND');
      if (existing.status !== 'draft')
        throw new ConflictError(
          `The principle is ${existing.status}; it changes only by amendment`,
          'PRINCIPLE_NOT_DRAFT',
        );
      if (content.key !== existing.key) {
        if ((await tx.findPrincipleByKey(content.key)) !== null)
          throw new ConflictError(`A principle with key "${content.key}" already exists`, 'DUPLICATE_KEY');
      }
      const updated = await tx.updatePrinciple(id, content, 'draft', expectedVersion);
      if (updated === null)
        throw new ConflictError(
          `The principle is at version ${existing.version}, not ${expectedVersion}`,
          'VERSION_CONFLICT',
        );
      await tx.audit({
        userId: actor.userId,
        action: 'principle.updated',
        resource: `principle:${updated.key}`,
        details: { id, version: updated.version },
      });
      return { principle: updated, warnings: conflictWarnings(content, await tx.principlesWithStatus('active')) };
    });
  }

  async deleteDraft(actor: Actor, id: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const existing = await tx.findPrinciple(id);
      if (existing === null) throw new NotFoundError('Principle not found', 'PRINCIPLE_NOT_FOUND');
      if (existing.status !== 'draft')
        throw new ConflictError(`The principle is ${existing.status}; repeal it by amendment`, 'PRINCIPLE_NOT_DRAFT');
      await tx.deletePrinciple(id);
      await tx.audit({
        userId: actor.userId,
        action: 'principle.deleted',
        resource: `principle:${existing.key}`,
        details: { id },
      });
    });
  }

  // ---- amendments ----

  async propose(
    actor: Actor,
    input: { title: string; rationale: string; changes: AmendmentChange[] },
  ): Promise<{ amendment: AmendmentRecord; warnings: ConflictWarning[] }> {
    const rules = (await this.metaRules()).amendments;
    if (!actor.roles.some((role) => rules.proposer_roles.includes(role))) {
      throw new ForbiddenError(`The meta-rules let only ${rules.proposer_roles.join(', ')} propose amendments`);
    }
    const current = await this.current();
    const taken = new Set<string>();
    for (const change of input.changes) {
      if (change.op !== 'add_principle') continue;
      const existing = await this.store.findPrincipleByKey(change.principle.key);
      if (existing !== null && existing.status !== 'draft') taken.add(change.principle.key);
    }
    rejectProblems(changeProblems(input.changes, current.document, taken), 'INVALID_CHANGES');
    const id = randomUUID();
    const amendment: AmendmentRecord = {
      id,
      title: input.title,
      rationale: input.rationale,
      changes: input.changes,
      principleKeys: touchedKeys(input.changes),
      touchesMetaRules: touchesMetaRules(input.changes),
      status: 'draft',
      proposedBy: actor.userId,
      createdAt: this.now(),
      openedAt: null,
      deadline: null,
      closedAt: null,
      councilSize: null,
      rules: null,
      outcome: null,
      baseVersion: current.version,
      enactedVersion: null,
    };
    await this.store.transaction(async (tx) => {
      await this.refuseOverlap(tx, amendment);
      await tx.insertAmendment(amendment);
      await tx.audit({
        userId: actor.userId,
        action: 'amendment.proposed',
        resource: `amendment:${id}`,
        details: { title: input.title, principle_keys: amendment.principleKeys },
      });
    });
    this.observer.amendmentStatus('draft');
    const proposed = applyChanges(current.document, input.changes);
    const warnings = input.changes.flatMap((change) =>
      change.op === 'add_principle' || change.op === 'modify_principle'
        ? conflictWarnings(
            proposed.principles.find(
              (principle) => principle.key === (change.op === 'add_principle' ? change.principle.key : change.key),
            )!,
            proposed.principles,
          )
        : [],
    );
    return { amendment, warnings };
  }

  private async refuseOverlap(tx: ConstitutionStore, amendment: AmendmentRecord): Promise<void> {
    const overlapping = await tx.openAmendmentsTouching(
      amendment.principleKeys,
      amendment.touchesMetaRules,
      amendment.id,
    );
    if (overlapping.length > 0) {
      const other = overlapping[0]!;
      throw new ConflictError(
        `Amendment ${other.id} ("${other.title}") is open on the same principles or meta-rules`,
        'AMENDMENT_CONFLICT',
      );
    }
  }

  async amendment(id: string): Promise<AmendmentRecord> {
    await this.closeIfDue(id);
    const record = await this.store.findAmendment(id);
    if (record === null) throw new NotFoundError('Amendment not found', 'AMENDMENT_NOT_FOUND');
    return record;
  }

  async listAmendments(filter: AmendmentFilter): Promise<AmendmentRecord[]> {
    await this.closeDue();
    return this.store.listAmendments(filter);
  }

  votes(id: string) {
    return this.store.votes(id);
  }

  async open(actor: Actor, id: string, deadline: Date | null): Promise<AmendmentRecord> {
    const now = this.now();
    if (deadline !== null && deadline <= now)
      throw new ValidationError('The deadline must be in the future', 'DEADLINE_IN_PAST');
    const opened = await this.store.transaction(async (tx) => {
      const amendment = await this.lockedAmendment(tx, id);
      this.requireProposerOrAdmin(actor, amendment);
      if (amendment.status !== 'draft')
        throw new ConflictError(
          `The amendment is ${amendment.status}; only drafts can be opened`,
          'AMENDMENT_NOT_DRAFT',
        );
      await this.refuseOverlap(tx, amendment);
      const rules = ((await tx.metaRules()) ?? DEFAULT_META_RULES).amendments;
      const councilSize = await tx.councilSize(rules.voter_roles);
      const next: AmendmentRecord = {
        ...amendment,
        status: 'open',
        openedAt: now,
        deadline: deadline ?? new Date(now.getTime() + rules.voting_period_hours * 3_600_000),
        councilSize,
        rules,
      };
      await tx.updateAmendment(next);
      await tx.audit({
        userId: actor.userId,
        action: 'amendment.opened',
        resource: `amendment:${id}`,
        details: { deadline: next.deadline!.toISOString(), council_size: councilSize },
      });
      return next;
    });
    this.observer.amendmentStatus('open');
    return opened;
  }

  async withdraw(actor: Actor, id: string): Promise<AmendmentRecord> {
    const withdrawn = await this.store.transaction(async (tx) => {
      const amendment = await this.lockedAmendment(tx, id);
      this.requireProposerOrAdmin(actor, amendment);
      if (amendment.status !== 'draft' && amendment.status !== 'open')
        throw new ConflictError(`The amendment is already ${amendment.status}`, 'AMENDMENT_CLOSED');
      const next: AmendmentRecord = { ...amendment, status: 'withdrawn', closedAt: this.now() };
      await tx.updateAmendment(next);
      await tx.audit({ userId: actor.userId, action: 'amendment.withdrawn', resource: `amendment:${id}` });
      return next;
    });
    this.observer.amendmentStatus('withdrawn');
    return withdrawn;
  }

  async vote(actor: Actor, id: string, vote: Vote, reason: string): Promise<AmendmentRecord> {
    await this.closeIfDue(id);
    const result = await this.store.transaction(async (tx) => {
      const amendment = await this.lockedAmendment(tx, id);
      if (amendment.status !== 'open')
        throw new ConflictError(`Voting is closed: the amendment is ${amendment.status}`, 'VOTING_CLOSED');
      if (!actor.roles.some((role) => amendment.rules!.voter_roles.includes(role))) {
        throw new ForbiddenError(`Only ${amendment.rules!.voter_roles.join(', ')} may vote`);
      }
      await tx.upsertVote(id, actor.userId, vote, reason);
      await tx.audit({
        userId: actor.userId,
        action: 'amendment.vote_cast',
        resource: `amendment:${id}`,
        details: { vote, reason },
      });
      return this.settle(tx, amendment, false);
    });
    this.observer.voteCast(vote);
    return result;
  }

  async comment(actor: Actor, id: string, body: string) {
    const record = { id: randomUUID(), authorId: actor.userId, body, createdAt: this.now() };
    await this.store.transaction(async (tx) => {
      const amendment = await tx.findAmendment(id);
      if (amendment === null) throw new NotFoundError('Amendment not found', 'AMENDMENT_NOT_FOUND');
      await tx.insertComment(id, record);
      await tx.audit({
        userId: actor.userId,
        action: 'amendment.commented',
        resource: `amendment:${id}`,
        details: { comment_id: record.id },
      });
    });
    return record;
  }

  async comments(id: string) {
    if ((await this.store.findAmendment(id)) === null)
      throw new NotFoundError('Amendment not found', 'AMENDMENT_NOT_FOUND');
    return this.store.comments(id);
  }

  /** Closes every open amendment whose deadline has passed; safe to run on many instances at once. */
  async closeDue(): Promise<number> {
    const due = await this.store.dueAmendmentIds(this.now());
    for (const id of due) await this.closeIfDue(id);
    return due.length;
  }

  private async closeIfDue(id: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const amendment = await tx.findAmendment(id, true);
      if (amendment === null || amendment.status !== 'open' || amendment.deadline! > this.now()) return;
      await this.settle(tx, amendment, true);
    });
  }

  /** Tallies inside the caller's transaction (which holds the amendment's row lock) and closes/enacts if decided. */
  private async settle(
    tx: ConstitutionStore,
    amendment: AmendmentRecord,
    deadlinePassed: boolean,
  ): Promise<AmendmentRecord> {
    const votes = await tx.votes(amendment.id);
    const result = tally(
      votes.map((vote) => vote.vote),
      amendment.councilSize!,
      amendment.rules!,
      deadlinePassed,
    );
    const outcome = {
      counts: result.counts,
      quorumNeeded: result.quorumNeeded,
      quorumMet: result.quorumMet,
      decided: result.decided,
    };
    if (result.decided === null) {
      const next = { ...amendment, outcome };
      await tx.updateAmendment(next);
      return next;
    }
    let next: AmendmentRecord = { ...amendment, status: result.decided, closedAt: this.now(), outcome };
    await tx.updateAmendment(next);
    await tx.audit({
      userId: null,
      action: `amendment.${result.decided}`,
      resource: `amendment:${amendment.id}`,
      details: { counts: result.counts, deadline_passed: deadlinePassed },
    });
    this.observer.amendmentStatus(result.decided);
    if (result.decided === 'approved') next = await this.enact(tx, next);
    return next;
  }

  /** Applies an approved amendment: new version and principle rows in the caller's transaction, or none of it. */
  private async enact(tx: ConstitutionStore, amendment: AmendmentRecord): Promise<AmendmentRecord> {
    await tx.lockConstitution();
    const current = (await tx.currentVersion())!;
    const taken = new Set<string>();
    for (const key of amendment.principleKeys) {
      const existing = await tx.findPrincipleByKey(key);
      if (existing !== null && existing.status === 'deprecated') taken.add(key);
    }
    const problems = changeProblems(amendment.changes, current.document, taken);
    if (problems.length > 0) {
      // The constitution moved since the vote opened in a way that makes these changes invalid; keep the approval
      // on record without enacting it.
      const next = {
        ...amendment,
        outcome: { ...amendment.outcome!, enactment_error: problems.map((p) => `${p.path}: ${p.message}`).join('; ') },
      };
      await tx.updateAmendment(next);
      return next;
    }
    const document = applyChanges(current.document, amendment.changes);
    for (const change of amendment.changes) await this.applyPrincipleChange(tx, change, document, amendment.proposedBy);
    const record = await this.enactVersion(
      tx,
      constitutionDocument(document.principles, document.meta_rules),
      null,
      amendment.id,
    );
    const next: AmendmentRecord = { ...amendment, status: 'enacted', enactedVersion: record.version };
    await tx.updateAmendment(next);
    await tx.audit({
      userId: null,
      action: 'constitution.enacted',
      resource: `constitution:${record.version}`,
      details: { amendment_id: amendment.id, hash: record.hash },
    });
    this.observer.amendmentStatus('enacted');
    return next;
  }

  private async applyPrincipleChange(
    tx: ConstitutionStore,
    change: AmendmentChange,
    document: ConstitutionDocument,
    proposedBy: string,
  ): Promise<void> {
    if (change.op === 'change_meta_rules') return;
    const key = change.op === 'add_principle' ? change.principle.key : change.key;
    const existing = await tx.findPrincipleByKey(key);
    if (change.op === 'repeal_principle') {
      await tx.updatePrinciple(existing!.id, existing!, 'deprecated', existing!.version);
      return;
    }
    const content = document.principles.find((principle) => principle.key === key)!;
    if (existing === null)
      await tx.insertPrinciple({ ...content, id: randomUUID(), status: 'active', createdBy: proposedBy });
    else await tx.updatePrinciple(existing.id, content, 'active', existing.version);
  }

  private async lockedAmendment(tx: ConstitutionStore, id: string): Promise<AmendmentRecord> {
    const amendment = await tx.findAmendment(id, true);
    if (amendment === null) throw new NotFoundError('Amendment not found', 'AMENDMENT_NOT_FOUND');
    return amendment;
  }

  private requireProposerOrAdmin(actor: Actor, amendment: AmendmentRecord): void {
    if (amendment.proposedBy !== actor.userId && !isAdmin(actor))
      throw new ForbiddenError('Only the proposer or an admin may do this');
  }
}
