import { randomUUID } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { applyChanges, changeProblems, touchedKeys, touchesMetaRules } from './changes.js';
import { rejectProblems } from './document-errors.js';
import { constitutionDocument } from './hash.js';
import { DEFAULT_META_RULES } from './meta-rules.js';
import { conflictWarnings, type ConflictWarning } from './principles.js';
import type { AmendmentFilter, AmendmentRecord, ConstitutionStore } from './store.js';
import { tally } from './tally.js';
import type { AmendmentChange, ConstitutionDocument, Vote } from './types.js';
import type { Actor, ConstitutionObserver } from './actor.js';
import type { ConstitutionVersions } from './versions.js';

const isAdmin = (actor: Actor) => actor.roles.includes('admin');

/** The amendment process: proposals, the council's votes and comments, deadlines, and enactment of what passes. */
export class Council {
  constructor(
    private readonly store: ConstitutionStore,
    private readonly versions: ConstitutionVersions,
    private readonly observer: ConstitutionObserver,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async propose(
    actor: Actor,
    input: { title: string; rationale: string; changes: AmendmentChange[] },
  ): Promise<{ amendment: AmendmentRecord; warnings: ConflictWarning[] }> {
    const rules = (await this.versions.metaRules()).amendments;
    if (!actor.roles.some((role) => rules.proposer_roles.includes(role))) {
      throw new ForbiddenError(`The meta-rules let only ${rules.proposer_roles.join(', ')} propose amendments`);
    }
    const current = await this.versions.current();
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
    const record = await this.versions.enactVersion(
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
