import type { MetaRules, Vote } from './types.js';

export interface VoteCounts {
  for: number;
  against: number;
  abstain: number;
}

export type Outcome = 'approved' | 'rejected' | 'expired';

export interface TallyResult {
  counts: VoteCounts;
  quorumNeeded: number;
  quorumMet: boolean;
  /** The final outcome if it is already certain (or the deadline has passed); null while still open to change. */
  decided: Outcome | null;
}

export function countVotes(votes: readonly Vote[]): VoteCounts {
  const counts: VoteCounts = { for: 0, against: 0, abstain: 0 };
  for (const vote of votes) counts[vote] += 1;
  return counts;
}

export function quorumNeeded(rules: MetaRules['amendments'], councilSize: number): number {
  return rules.quorum.kind === 'votes' ? rules.quorum.min : Math.ceil(rules.quorum.fraction * councilSize);
}

const participating = (counts: VoteCounts, rules: MetaRules['amendments']) =>
  counts.for + counts.against + (rules.abstentions_count_toward_quorum ? counts.abstain : 0);

/** for / (for + against) ≥ n / d, in integers; no decisive votes at all (everyone abstained) is not approval. */
function approves(forVotes: number, against: number, rules: MetaRules['amendments']): boolean {
  const { numerator, denominator } = rules.approval_threshold;
  return forVotes + against > 0 && forVotes * denominator >= numerator * (forVotes + against);
}

/**
 * Tallies an amendment. At the deadline: no quorum → expired; else approved or rejected by the threshold. Before
 * it, the vote closes early only when the members who have not voted yet cannot change the outcome whatever they
 * do (votes already cast count as they stand; closing ends the right to change them).
 */
export function tally(
  votes: readonly Vote[],
  councilSize: number,
  rules: MetaRules['amendments'],
  deadlinePassed: boolean,
): TallyResult {
  const counts = countVotes(votes);
  const needed = quorumNeeded(rules, councilSize);
  const quorumMet = participating(counts, rules) >= needed;
  if (deadlinePassed) {
    return {
      counts,
      quorumNeeded: needed,
      quorumMet,
      decided: !quorumMet ? 'expired' : approves(counts.for, counts.against, rules) ? 'approved' : 'rejected',
    };
  }
  const remaining = Math.max(0, councilSize - (counts.for + counts.against + counts.abstain));
  let decided: Outcome | null = null;
  if (quorumMet && approves(counts.for, counts.against + remaining, rules)) decided = 'approved';
  else if (quorumMet && !approves(counts.for + remaining, counts.against, rules)) decided = 'rejected';
  return { counts, quorumNeeded: needed, quorumMet, decided };
}
