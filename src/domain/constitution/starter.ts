import { DEFAULT_META_RULES } from './meta-rules.js';
import type { ConstitutionDocument, PrincipleContent } from './types.js';
import { ACTIONS, RESOURCE_TYPES } from '../policy/governance-schema.js';

const ALL_ACTIONS = [...ACTIONS];
const ALL_RESOURCES = [...RESOURCE_TYPES];
const PII_KINDS = ['email', 'phone', 'payment_card', 'iban', 'ssn', 'ip_address'];

/**
 * The constitution an empty system starts with (version 1). Cedar denies by default, so the baseline principle
 * permits the governed actions and every other principle forbids the harmful cases on top of it (deny-overrides).
 */
export const STARTER_PRINCIPLES: readonly PrincipleContent[] = [
  {
    key: 'baseline-governed-actions',
    title: 'Governed actions are allowed unless a principle forbids them',
    description: 'The permissive baseline that the other principles restrict.',
    category: 'accountability',
    priority: 1,
    scope: { actions: ALL_ACTIONS, resource_types: ALL_RESOURCES },
    normative_statement: 'An AI action that no principle forbids may proceed.',
    rationale: 'Policies are default-deny; without a baseline every request would be refused.',
    constraints: [{ effect: 'permit', actions: ALL_ACTIONS }],
  },
  {
    key: 'no-pii-to-external-channels',
    title: 'No personal data leaves through external channels',
    description: 'Content containing personal data must not be sent to external channels.',
    category: 'privacy',
    priority: 95,
    scope: { actions: ['send_external'], resource_types: ['Channel'] },
    normative_statement:
      'The system must not send personal data (emails, phone numbers, payment cards, IBANs, SSNs, IP addresses) to external channels.',
    rationale: 'Data protection law and user trust.',
    constraints: [
      {
        effect: 'forbid',
        actions: ['send_external'],
        when: [{ attr: 'context.pii', op: 'containsAny', value: PII_KINDS }],
        obligations: ['redact'],
      },
    ],
  },
  {
    key: 'no-secrets-in-outputs',
    title: 'No secrets in outputs',
    description: 'Credentials, API keys and private keys never appear in responses, memory or external messages.',
    category: 'security',
    priority: 95,
    scope: { actions: ['respond', 'send_external', 'write_memory'], resource_types: ALL_RESOURCES },
    normative_statement: 'The system must not output or store secrets.',
    rationale: 'A leaked credential is a breach.',
    constraints: [
      {
        effect: 'forbid',
        actions: ['respond', 'send_external', 'write_memory'],
        when: [{ attr: 'context.secrets', op: 'is_true' }],
        obligations: ['redact'],
      },
    ],
  },
  {
    key: 'human-approval-for-high-risk-tools',
    title: 'High-risk tool calls need human approval',
    description: 'Tool calls rated high risk run only after a human approved them.',
    category: 'human_oversight',
    priority: 90,
    scope: { actions: ['tool_call'], resource_types: ['Tool'] },
    normative_statement:
      'A tool call with risk 70 or more — the risk the tool catalogue gives the tool, or that its arguments carry — must not run without human approval.',
    rationale: 'Irreversible actions need a person in the loop, whatever the caller says of them.',
    // The tool's risk comes from the catalogue and the request's from the destructive-command detector; a caller's
    // declared context.risk can only add to the latter, so neither is the governed party's to lower.
    constraints: [
      {
        effect: 'forbid',
        actions: ['tool_call'],
        when: [{ attr: 'context.risk', op: 'gte', value: 70 }],
        unless: [{ attr: 'context.human_approved', op: 'is_true' }],
        obligations: ['require_human_review'],
      },
      {
        effect: 'forbid',
        actions: ['tool_call'],
        resource_types: ['Tool'],
        when: [{ attr: 'resource.risk', op: 'gte', value: 70 }],
        unless: [{ attr: 'context.human_approved', op: 'is_true' }],
        obligations: ['require_human_review'],
      },
    ],
  },
  {
    key: 'block-prompt-injection',
    title: 'Block prompt injection',
    description: 'Inputs that look like prompt injection or jailbreaks are not acted on.',
    category: 'security',
    priority: 90,
    scope: { actions: ['generate', 'tool_call'], resource_types: ['Model', 'Tool'] },
    normative_statement: 'The system must not act on input whose injection score is 80 or more.',
    rationale: 'Injected instructions subvert every other rule.',
    constraints: [
      {
        effect: 'forbid',
        actions: ['generate', 'tool_call'],
        when: [{ attr: 'context.injection_score', op: 'gte', value: 80 }],
      },
    ],
  },
  {
    key: 'withhold-unsafe-outputs',
    title: 'Outputs flagged unsafe are withheld',
    description: 'Model output classified into an unsafe category is not delivered.',
    category: 'safety',
    priority: 100,
    scope: { actions: ['respond', 'send_external'], resource_types: ['Model', 'Channel'] },
    normative_statement:
      'The system must not deliver output flagged as violence, self-harm, sexual content involving minors, weapons or hate.',
    rationale: 'Preventing direct harm comes first.',
    constraints: [
      {
        effect: 'forbid',
        actions: ['respond', 'send_external'],
        when: [
          {
            attr: 'context.unsafe_categories',
            op: 'containsAny',
            value: ['violence', 'self_harm', 'sexual_minors', 'weapons', 'hate'],
          },
        ],
      },
    ],
  },
  {
    key: 'restricted-data-needs-approval',
    title: 'Restricted data is retrieved only with approval',
    description: 'Documents classified restricted are retrieved only when a human approved the retrieval.',
    category: 'privacy',
    priority: 85,
    scope: { actions: ['retrieve'], resource_types: ['Dataset', 'Document'] },
    normative_statement: 'Restricted data must not be retrieved without human approval.',
    rationale: 'Need-to-know access for the most sensitive data.',
    constraints: [
      {
        effect: 'forbid',
        actions: ['retrieve'],
        when: [{ attr: 'context.data_classification', op: 'eq', value: 'restricted' }],
        unless: [{ attr: 'context.human_approved', op: 'is_true' }],
        obligations: ['require_human_review'],
      },
    ],
  },
  {
    key: 'no-sensitive-pii-in-memory',
    title: 'No sensitive personal data in long-term memory',
    description: 'Identity and payment numbers are never written to agent memory.',
    category: 'privacy',
    priority: 80,
    scope: { actions: ['write_memory'], resource_types: ['Dataset', 'Document'] },
    normative_statement: 'The system must not store SSNs, payment cards or IBANs in memory.',
    rationale: 'Memory outlives the conversation it came from.',
    constraints: [
      {
        effect: 'forbid',
        actions: ['write_memory'],
        when: [{ attr: 'context.pii', op: 'containsAny', value: ['ssn', 'payment_card', 'iban'] }],
        obligations: ['redact'],
      },
    ],
  },
  {
    key: 'equal-treatment',
    title: 'Equal treatment across protected groups',
    description: 'Decisions about people do not use protected characteristics.',
    category: 'fairness',
    priority: 80,
    scope: { actions: ['respond', 'tool_call'], resource_types: ALL_RESOURCES },
    normative_statement:
      'A decision about a person must not be based on race, ethnicity, religion, gender, sexual orientation, disability or age.',
    rationale: 'Non-discrimination law and basic fairness.',
    constraints: [
      {
        effect: 'forbid',
        actions: ['respond', 'tool_call'],
        when: [
          {
            attr: 'context.decision_inputs',
            op: 'containsAny',
            value: ['race', 'ethnicity', 'religion', 'gender', 'sexual_orientation', 'disability', 'age'],
          },
        ],
      },
    ],
  },
  {
    key: 'explainable-decisions',
    title: 'Decisions are explainable',
    description: 'Every enforcement decision names the policies and principles that determined it.',
    category: 'transparency',
    priority: 60,
    scope: { actions: ALL_ACTIONS, resource_types: ALL_RESOURCES },
    normative_statement:
      'Every decision must carry the ids of the policies that decided it and the principles they implement.',
    rationale: 'People affected by a decision are owed a reason.',
    constraints: [],
  },
  {
    key: 'audit-everything',
    title: 'Everything is audited',
    description: 'Every governance event and enforcement decision is recorded in the tamper-evident audit log.',
    category: 'accountability',
    priority: 70,
    scope: { actions: ALL_ACTIONS, resource_types: ALL_RESOURCES },
    normative_statement: 'Every AI action decided by the platform and every change to the constitution must be logged.',
    rationale: 'What is not recorded cannot be proven or corrected.',
    constraints: [],
  },
];

export const STARTER_CONSTITUTION: ConstitutionDocument = {
  principles: [...STARTER_PRINCIPLES],
  meta_rules: DEFAULT_META_RULES,
};
