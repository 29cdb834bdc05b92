import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../errors.js';
import { rejectProblems } from './document-errors.js';
import { conflictWarnings, principleProblems, type ConflictWarning } from './principles.js';
import type { ConstitutionStore, PrincipleFilter, PrincipleRecord } from './store.js';
import type { PrincipleContent } from './types.js';
import type { Actor } from './actor.js';

/** Principles: listed and read in any status, and edited while they are drafts (after that, only by amendment). */
export class PrincipleDrafts {
  constructor(private readonly store: ConstitutionStore) {}

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
}
