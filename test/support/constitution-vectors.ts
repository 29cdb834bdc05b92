import type { ConstitutionDocument } from '../../src/domain/constitution/types.js';

/** The known-answer vectors published in docs/constitution.md; tests and docs must agree. */
export const KNOWN_ANSWER: { document: ConstitutionDocument; hash: string; starterHash: string } = {
  document: {
    principles: [
      {
        key: 'no-secrets',
        title: 'No secrets',
        description: '',
        category: 'security',
        priority: 90,
        scope: { actions: ['respond'], resource_types: [] },
        normative_statement: 'Never output secrets.',
        rationale: '',
        constraints: [{ effect: 'forbid', actions: ['respond'], when: [{ attr: 'context.secrets', op: 'is_true' }] }],
      },
    ],
    meta_rules: {
      conflict_resolution: { strategy: 'deny_overrides', explanation_order: 'priority' },
      amendments: {
        quorum: { kind: 'votes', min: 3 },
        approval_threshold: { numerator: 2, denominator: 3 },
        abstentions_count_toward_quorum: true,
        voting_period_hours: 72,
        proposer_roles: ['admin', 'policy_manager', 'council_member'],
        voter_roles: ['council_member'],
      },
    },
  },
  hash: '7abb89ba5c1cdeb9cb24f14b0f15dec7b4253429e3c9499db092ff76b4eb24ef',
  starterHash: '4da56367cbcf69bd83575569bd42a93e31d2aee47b3e374bc461660f4c37e927',
};
