/**
 * The shapes of the API answers the console reads. They come from the services' own schemas through the generated
 * `contract.ts` (`acgs console contract`); what is written here only names parts of them.
 */
import type * as Contract from './contract.js';

export type {
  Amendment,
  AmendmentComment,
  AmendmentWithVotes,
  ApiKey,
  Appeal,
  AuditEntry,
  ChangeSet,
  ConstitutionDiff,
  ConstitutionVersion,
  DecisionStatistics,
  GatewayTool,
  ErrorCode,
  GovernanceState,
  Health,
  LoggedBundle,
  MetaRules,
  ModelExchange,
  PolicyReview,
  PolicyVersion,
  PolicyWithVersions,
  Role,
  ServedBundle,
  SigningKey,
  Simulation,
  StoredDecision,
  SynthesisRun,
  SynthesisRunWithAttempts,
  TreeHead,
  User,
  VerificationJob,
} from './contract.js';
export { ACTIONS, PRINCIPAL_TYPES, RESOURCE_TYPES } from './contract.js';

export type PrincipleContent = Contract.PrincipleContent;
export type Constraint = PrincipleContent['constraints'][number];
export type Condition = NonNullable<Constraint['when']>[number];
export type AmendmentChange = Contract.Amendment['changes'][number];
/**
 * A request as the decision log holds it and the test bench edits it: entity types and action as strings, which the
 * simulate endpoint checks when it is sent (`Contract.SimulateRequest['request']` is what it accepts).
 */
export type EvaluationRequest = Pick<Contract.StoredDecision, 'principal' | 'action' | 'resource'> & {
  context?: Record<string, unknown>;
  content?: string;
};

/** A constitution version without its principles, as the version list gives it. */
export type VersionSummary = Omit<Contract.ConstitutionVersion, 'principles' | 'meta_rules'>;
export type FieldChanges = Contract.ConstitutionDiff['meta_rules'];
export type AmendmentStatus = Contract.Amendment['status'];
export type VoteChoice = Contract.AmendmentWithVotes['votes'][number]['vote'];
export type PolicyStatus = Contract.PolicyVersion['status'];
export type EntityRef = Contract.StoredDecision['principal'];
export type Reason = Contract.StoredDecision['reasons'][number];
export type Finding = Contract.StoredDecision['findings'][number];
export type Obligation = Contract.StoredDecision['obligations'][number];

/** One page of a list; `next_cursor` asks for the next. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
