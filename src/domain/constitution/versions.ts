import { CHANNELS } from '../notifications.js';
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { diffConstitutions, type ConstitutionDiff } from './diff.js';
import { rejectProblems } from './document-errors.js';
import { constitutionDocument, constitutionHash } from './hash.js';
import { DEFAULT_META_RULES, metaRuleProblems } from './meta-rules.js';
import { STARTER_CONSTITUTION } from './starter.js';
import type { ConstitutionStore, VersionRecord } from './store.js';
import type { ConstitutionDocument, MetaRules } from './types.js';
import type { Actor, ConstitutionObserver } from './actor.js';

/** The constitution's versions and its meta-rules: enacted documents, their hashes and diffs, and version 1's making. */
export class ConstitutionVersions {
  constructor(
    private readonly store: ConstitutionStore,
    private readonly observer: ConstitutionObserver,
    private readonly now: () => Date = () => new Date(),
  ) {}

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

  /** Enacts a document as the next version and tells whoever listens; the council calls it inside its transaction. */
  async enactVersion(
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
}
