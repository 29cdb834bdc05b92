import { canonicalSha256 } from '../../domain/canonical-json.js';
import { ConflictError, ValidationError } from '../../domain/errors.js';
import {
  applyChange,
  approveChangeSet,
  changeShapeProblems,
  mustBe,
  type ChangeSetOrigin,
  type PolicyRef,
} from '../../domain/policy/change-set.js';
import { approvalsRequired } from '../../domain/policy/lifecycle.js';
import { policyMetadata } from '../../domain/policy/cedar.js';
import type { Queryable } from '../../platform/db/database.js';
import type { Platform } from '../../platform/platform.js';
import { buildAndActivateBundle, lockBundleBuilds, type ActivatedChange } from './bundle-builder.js';
import { BundleStore } from './bundle-store.js';
import { ChangeSetStore, type ChangeSet } from './change-set-store.js';
import type { ConstitutionReader } from './ports.js';
import { platformSigningKeys } from './signing-keys.js';
import { PolicyStore, type PolicyVersion } from './policy-store.js';
import type { ChangeSetVerification, VerificationGate } from './verification-gate.js';

const PENDING_VERSION = ['draft', 'verified', 'approved'];

export interface ChangeRequest {
  put: readonly { policy_id: string; version?: number }[];
  remove: readonly string[];
  description?: string;
}

/** The first reason a rejected set stays out of force, for the 409 and the synthesis run that proposed it. */
export const rejection = (set: ChangeSet, report: ChangeSetVerification): string =>
  `change set ${set.id} did not verify against constitution v${report.constitution.version} (${report.verdict}): ${
    report.problems[0] ?? 'no finding was given'
  }${report.problems.length > 1 ? ` (and ${report.problems.length - 1} more)` : ''}`;

/**
 * Change sets: what goes into force together. A set is proposed (policy versions to put into force, ids to take out),
 * verified as a whole — the bundle it makes against every principle of the constitution in force, and each newcomer
 * for soundness — approved in one two-person step, and activated as one signed bundle with one audit entry naming the
 * constitution version, the set and its verification. Nothing else changes what is enforced, so the policy store and
 * the bundle in force cannot disagree.
 */
export class ChangeSets {
  private readonly sets = new ChangeSetStore();
  private readonly bundles: BundleStore;

  constructor(
    private readonly platform: Platform,
    private readonly gate: VerificationGate,
    private readonly constitutions: ConstitutionReader,
  ) {
    this.bundles = new BundleStore(platform.db);
  }

  get(id: number): Promise<ChangeSet> {
    return this.sets.get(this.platform.db, id);
  }

  list(filter: Parameters<ChangeSetStore['list']>[1]): Promise<ChangeSet[]> {
    return this.sets.list(this.platform.db, filter);
  }

  /**
   * Stores a set as proposed: every version named must be pending, every id removed in force. Only a set made by the
   * platform may be empty (an amendment's or a rebuild's): the bundle then names the constitution in force.
   */
  async propose(request: ChangeRequest, origin: ChangeSetOrigin, authorId: string | null): Promise<ChangeSet> {
    const empty = request.put.length === 0 && request.remove.length === 0;
    const problems = changeShapeProblems(
      request.put.map((ref) => ({ policy_id: ref.policy_id, version: ref.version ?? 0 })),
      request.remove,
    ).filter((problem) => !(empty && origin !== 'manual' && problem.startsWith('a change set puts')));
    if (problems.length > 0) throw new ValidationError(problems.join('; '), 'INVALID_CHANGE_SET');
    return this.platform.db.transaction(async (tx) => {
      const versions = await PolicyStore.versionsFor(tx, request.put);
      const settled = versions.filter((version) => !PENDING_VERSION.includes(version.status));
      if (settled.length > 0)
        throw new ValidationError(
          `only pending versions (draft, verified, approved) can be put into force: ${settled
            .map((v) => `${v.policy_id} v${v.version} is ${v.status}`)
            .join(', ')}`,
          'INVALID_CHANGE_SET',
        );
      const inForce = await PolicyStore.activeTexts(tx);
      const absent = request.remove.filter((id) => inForce[id] === undefined);
      if (absent.length > 0)
        throw new ValidationError(`not in force, so nothing to remove: ${absent.join(', ')}`, 'INVALID_CHANGE_SET');
      const set = await this.sets.insert(tx, {
        origin,
        description: request.description ?? '',
        put: versions.map(({ policy_id, version }) => ({ policy_id, version })),
        remove: request.remove,
        author: authorId,
        // A set that changes no policy has nothing for a person to approve; the operator's `acgs bundle build`, which
        // needs the database itself, is its own approval (audited as origin cli, and still verified).
        approvalsRequired:
          empty || origin === 'cli'
            ? 0
            : Math.max(1, ...versions.map((version) => approvalsRequired(policyMetadata(version.source).annotations))),
        constitution: await this.constitutions.refInForce(tx),
      });
      // An amendment's set carries everything between the bundle in force and the constitution enacted last, so it
      // replaces the sets of amendments enacted before it that are still waiting.
      const superseded = origin === 'amendment' ? await this.sets.supersedePending(tx, 'amendment', set.id) : [];
      await this.platform.audit.record(
        {
          userId: authorId,
          action: 'changeset.proposed',
          resource: `changeset:${set.id}`,
          details: { origin, put: set.put, remove: set.remove, ...(superseded.length > 0 ? { superseded } : {}) },
        },
        tx,
      );
      return set;
    });
  }

  /**
   * Verifies a proposed set as a whole against the bundle and constitution in force: `verified` when it holds, else
   * `rejected` with every finding. The solver is asked outside any transaction; the outcome is stored only if the
   * set is still proposed and the bundle it was judged against is still the one in force.
   */
  async verify(id: number, actorId: string | null): Promise<{ set: ChangeSet; report: ChangeSetVerification }> {
    for (let attempt = 0; ; attempt += 1) {
      const set = await this.sets.get(this.platform.db, id);
      mustBe(set.status, ['proposed'], 'verify');
      const base = await this.bundles.activeVersion();
      const versions = await PolicyStore.versionsFor(this.platform.db, set.put);
      const candidate = applyChange(await PolicyStore.activeTexts(this.platform.db), texts(versions), set.remove);
      const report = await this.gate.verifyChangeSet(
        this.platform.db,
        candidate,
        set.put.map((ref) => ref.policy_id),
      );
      const stored = await this.platform.db.transaction(async (tx) => {
        await lockBundleBuilds(tx);
        const current = await this.sets.get(tx, id, true);
        mustBe(current.status, ['proposed'], 'verify');
        const constitution = await this.constitutions.refInForce(tx);
        if ((await this.bundles.latestVersion(tx)) !== base || constitution?.version !== report.constitution.version)
          return null;
        const holds = report.verdict === 'holds';
        const recorded = await this.sets.recordVerification(tx, id, {
          status: holds ? (set.approvals_required === 0 ? 'approved' : 'verified') : 'rejected',
          report,
          constitution: report.constitution,
          baseBundleVersion: base,
          reason: holds ? null : rejection(set, report),
        });
        if (holds) await PolicyStore.advanceWithSet(tx, { kind: 'verified', put: set.put, changeSet: id });
        await this.platform.audit.record(
          {
            userId: actorId,
            action: holds ? 'changeset.verified' : 'changeset.rejected',
            resource: `changeset:${id}`,
            details: {
              verdict: report.verdict,
              constitution_version: report.constitution.version,
              report_sha256: digest(report),
              problems: report.problems.slice(0, 5),
            },
          },
          tx,
        );
        return recorded;
      });
      if (stored !== null) return { set: stored, report };
      // What it was judged against changed while the solver worked: judge it again (bounded: activations are rare).
      if (attempt >= 2)
        throw new ConflictError(
          'the bundle or constitution in force kept changing while the change set was verified; verify it again',
          'CHANGE_SET_STALE',
        );
    }
  }

  /** One approval; the set is approved once its approvers (one, or two for llm-unverified policies) have. */
  async approve(id: number, actorId: string | null): Promise<ChangeSet> {
    return this.platform.db.transaction(async (tx) => {
      const set = await this.sets.get(tx, id, true);
      const versions = await PolicyStore.versionsFor(tx, set.put);
      const approval = approveChangeSet(
        set,
        versions.map((version) => version.author),
        actorId,
      );
      const updated = await this.sets.recordApproval(tx, id, {
        status: approval.status,
        firstApprover: approval.firstApprover,
        approver: actorId!,
      });
      if (approval.status === 'approved')
        await PolicyStore.advanceWithSet(tx, {
          kind: 'approved',
          put: set.put,
          approver: actorId!,
          firstApprover: approval.firstApprover,
        });
      await this.platform.audit.record(
        {
          userId: actorId,
          action: 'changeset.approved',
          resource: `changeset:${id}`,
          details: { approval: approval.approvalsSoFar, of: set.approvals_required },
        },
        tx,
      );
      return updated;
    });
  }

  /**
   * Puts an approved set into force: its versions replace those of their ids, its removals are revoked, and the
   * resulting bundle is built, signed and activated in one transaction. If the bundle or constitution in force
   * changed since the set was verified, the whole result is proved again first and refused if it does not hold.
   */
  async activate(id: number, actorId: string | null): Promise<ChangeSet> {
    await platformSigningKeys(this.platform).active();
    return this.platform.db.transaction(async (tx) => {
      await lockBundleBuilds(tx);
      const set = await this.sets.get(tx, id, true);
      mustBe(set.status, ['approved'], 'activate');
      const versions = await PolicyStore.versionsFor(tx, set.put);
      const settled = versions.filter((version) => !PENDING_VERSION.includes(version.status));
      if (settled.length > 0)
        throw new ConflictError(
          `change set ${id} is stale: ${settled.map((v) => `${v.policy_id} v${v.version} is ${v.status}`).join(', ')}`,
          'CHANGE_SET_STALE',
        );
      const candidate = applyChange(await PolicyStore.activeTexts(tx), texts(versions), set.remove);
      const constitution = await this.constitutions.refInForce(tx);
      let report = set.verification_report;
      if (
        report === null ||
        set.base_bundle_version !== (await this.bundles.latestVersion(tx)) ||
        set.constitution_version !== constitution?.version
      ) {
        report = await this.gate.verifyChangeSet(
          tx,
          candidate,
          set.put.map((ref) => ref.policy_id),
        );
        if (report.verdict !== 'holds')
          throw new ConflictError(`Verification failed: ${rejection(set, report)}`, 'VERIFICATION_FAILED');
      }
      await PolicyStore.advanceWithSet(tx, {
        kind: 'activated',
        put: set.put,
        remove: set.remove,
        approver: set.approved_by,
      });
      const signed = await buildAndActivateBundle(
        this.platform,
        this.constitutions,
        candidate,
        actorId,
        tx,
        activatedChange(set, report),
      );
      return this.sets.recordActivation(tx, id, actorId, signed.bundle.version);
    });
  }

  /**
   * A single policy's activation or revocation, inside the lifecycle step's transaction: recorded as a change set of
   * one, proved against the constitution in force (revocations take nothing new into force and are not), and
   * activated as the next bundle.
   */
  async applySingle(
    tx: Queryable,
    change: { put?: PolicyVersion; remove?: string },
    actorId: string | null,
  ): Promise<void> {
    const inForce = await PolicyStore.activeTexts(tx);
    let report: ChangeSetVerification | null = null;
    if (change.put !== undefined) {
      report = await this.gate.verifyChangeSet(tx, inForce, []);
      if (report.verdict !== 'holds')
        throw new ConflictError(`Verification failed: ${report.problems[0] ?? report.verdict}`, 'VERIFICATION_FAILED');
    }
    const constitution = await this.constitutions.refInForce(tx);
    const put = change.put === undefined ? [] : [{ policy_id: change.put.policy_id, version: change.put.version }];
    const remove = change.remove === undefined ? [] : [change.remove];
    const set = await this.sets.insert(tx, {
      origin: 'policy',
      description:
        change.put === undefined ? `revoke ${change.remove}` : `activate ${put[0]!.policy_id} v${put[0]!.version}`,
      put,
      remove,
      author: change.put?.author ?? actorId,
      approvalsRequired: change.put?.approvals_required ?? 1,
      constitution,
    });
    if (report !== null && constitution !== null)
      await this.sets.recordVerification(tx, set.id, {
        status: 'verified',
        report,
        constitution,
        baseBundleVersion: await this.bundles.latestVersion(tx),
        reason: null,
      });
    const signed = await buildAndActivateBundle(
      this.platform,
      this.constitutions,
      inForce,
      actorId,
      tx,
      activatedChange(set, report),
    );
    await this.sets.recordActivation(tx, set.id, actorId, signed.bundle.version);
  }

  /**
   * The operator's rebuild (`acgs bundle build`): these policies, exactly, become the bundle in force through a change
   * set like any other — versions recorded in the store, verified as a whole, activated in one bundle — so the store
   * and the bundle cannot drift. Returns the set: active, or rejected with the findings.
   */
  async rebuildFrom(
    policies: Readonly<Record<string, string>>,
    description: string,
  ): Promise<{ set: ChangeSet; report: ChangeSetVerification }> {
    const store = new PolicyStore(this.platform.db, this.platform.audit);
    const inForce = await PolicyStore.activeTexts(this.platform.db);
    const put: PolicyRef[] = [];
    for (const [id, text] of Object.entries(policies)) {
      if (inForce[id] === text) continue;
      const version = await store.pendingOrDraft(id, text, description, null);
      put.push({ policy_id: version.policy_id, version: version.version });
    }
    const remove = Object.keys(inForce).filter((id) => policies[id] === undefined);
    const proposed = await this.propose({ put, remove, description }, 'cli', null);
    const verified = await this.verify(proposed.id, null);
    if (verified.set.status !== 'approved') return verified;
    return { set: await this.activate(proposed.id, null), report: verified.report };
  }

  /** Takes a pending set out of consideration; its versions stay as they are. */
  async withdraw(id: number, actorId: string | null, reason: string): Promise<ChangeSet> {
    return this.platform.db.transaction(async (tx) => {
      const set = await this.sets.get(tx, id, true);
      mustBe(set.status, ['proposed', 'verified', 'rejected', 'approved'], 'withdraw');
      const withdrawn = await this.sets.withdraw(tx, id, reason);
      await this.platform.audit.record(
        { userId: actorId, action: 'changeset.withdrawn', resource: `changeset:${id}`, details: { reason } },
        tx,
      );
      return withdrawn;
    });
  }
}

const texts = (versions: readonly PolicyVersion[]) =>
  versions.map((version) => ({ policy_id: version.policy_id, text: version.source }));

const digest = (report: unknown) => canonicalSha256(report);

const activatedChange = (
  set: { id: number; origin: string; put: readonly PolicyRef[]; remove: readonly string[] },
  report: ChangeSetVerification | null,
): ActivatedChange => ({
  id: set.id,
  origin: set.origin,
  put: set.put,
  remove: set.remove,
  verification: report === null ? null : { verdict: report.verdict, report_sha256: digest(report) },
});
