import type { ChangeSets } from '../integrity/change-sets.js';
import { enforcedSetHooks } from '../integrity/enforced-set.js';
import type { PolicyStore, PolicyVersion } from '../integrity/policy-store.js';
import type { VerificationGate } from '../integrity/verification-gate.js';

/**
 * Puts a policy gs produced into the policy store the way a person would: a draft by its author, then the store's
 * verify step (the gate's proofs against the policies in force). It waits there for someone else's approval.
 */
export class PolicySubmission {
  constructor(
    private readonly gate: VerificationGate,
    private readonly changeSets: ChangeSets,
    private readonly policies: PolicyStore,
  ) {}

  async submitForApproval(
    input: { source: string; description: string; name?: string },
    authorId: string | null,
    mode: 'new' | 'either',
    /** Runs once the draft is stored, before the verify step (which may refuse and leave the draft for a fix). */
    onDraft?: (draft: PolicyVersion) => Promise<void>,
  ): Promise<PolicyVersion> {
    const draft = await this.policies.submit(input, authorId, mode);
    await onDraft?.(draft);
    return this.verifyDraft(draft, authorId);
  }

  /** The policy store's verify step for a draft, on behalf of its author. */
  verifyDraft(draft: PolicyVersion, authorId: string | null): Promise<PolicyVersion> {
    return this.policies.apply(
      'verify',
      draft.policy_id,
      authorId,
      enforcedSetHooks(this.gate, this.changeSets, authorId),
    );
  }
}
