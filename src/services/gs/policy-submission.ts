import type { Platform } from '../../platform/platform.js';
import { enforcedSetHooks } from '../integrity/enforced-set.js';
import { PolicyStore, type PolicyVersion } from '../integrity/policy-store.js';
import type { VerificationGate } from '../integrity/verification-gate.js';
import { constitutionReader } from '../ac/constitution-reader.js';

/**
 * Puts a policy gs produced into the policy store the way a person would: a draft by its author, then the store's
 * verify step (the gate's proofs against the policies in force). It waits there for someone else's approval.
 */
export async function submitForApproval(
  platform: Platform,
  gate: VerificationGate,
  input: { source: string; description: string; name?: string },
  authorId: string | null,
  mode: 'new' | 'either',
  /** Runs once the draft is stored, before the verify step (which may refuse and leave the draft for a fix). */
  onDraft?: (draft: PolicyVersion) => Promise<void>,
): Promise<PolicyVersion> {
  const draft = await new PolicyStore(platform).submit(input, authorId, mode);
  await onDraft?.(draft);
  return verifyDraft(platform, gate, draft, authorId);
}

/** The policy store's verify step for a draft, on behalf of its author. */
export function verifyDraft(
  platform: Platform,
  gate: VerificationGate,
  draft: PolicyVersion,
  authorId: string | null,
): Promise<PolicyVersion> {
  return new PolicyStore(platform).apply(
    'verify',
    draft.policy_id,
    authorId,
    enforcedSetHooks(platform, gate, constitutionReader, authorId),
  );
}
