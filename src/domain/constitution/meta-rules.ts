import { isRole } from '../auth/roles.js';
import type { DocumentProblem, MetaRules } from './types.js';

export const DEFAULT_META_RULES: MetaRules = {
  conflict_resolution: { strategy: 'deny_overrides', explanation_order: 'priority' },
  amendments: {
    quorum: { kind: 'votes', min: 3 },
    approval_threshold: { numerator: 2, denominator: 3 },
    abstentions_count_toward_quorum: true,
    voting_period_hours: 72,
    proposer_roles: ['admin', 'policy_manager', 'council_member'],
    voter_roles: ['council_member'],
  },
};

export function metaRuleProblems(rules: MetaRules, base = ''): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const amendments = rules.amendments;
  const quorum = amendments.quorum;
  if (quorum.kind === 'fraction' && !(quorum.fraction > 0 && quorum.fraction <= 1)) {
    problems.push({ path: `${base}/amendments/quorum/fraction`, message: 'must be greater than 0 and at most 1' });
  }
  const { numerator, denominator } = amendments.approval_threshold;
  if (numerator > denominator)
    problems.push({ path: `${base}/amendments/approval_threshold`, message: 'numerator must not exceed denominator' });
  for (const field of ['proposer_roles', 'voter_roles'] as const) {
    amendments[field].forEach((role, index) => {
      if (!isRole(role))
        problems.push({ path: `${base}/amendments/${field}/${index}`, message: `"${role}" is not a role` });
    });
  }
  if (amendments.voter_roles.length === 0)
    problems.push({ path: `${base}/amendments/voter_roles`, message: 'at least one role must be able to vote' });
  return problems;
}
