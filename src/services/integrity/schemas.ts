import { Nullable, PageOf, Sha256Hex, Time, OneOf, VerdictSchema } from '../../platform/http/schemas.js';
import { Type } from '@sinclair/typebox';
import { POLICY_STATUSES } from '../../domain/policy/lifecycle.js';
import { CHANGE_SET_ORIGINS, CHANGE_SET_STATUSES } from '../../domain/policy/change-set.js';
import { GOVERNANCE_STATES } from '../../domain/policy/governance-state.js';
import { WATCH_CHECKS } from '../../platform/audit/watch.js';

/** Request schemas of the integrity service's routes; PGC's rule submission takes a policy body too. */
export const PolicyBody = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      maxLength: 64 * 1024,
      description: 'One Cedar policy with @id("…") and @principle("key")',
    }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);
export const PolicyIdParam = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' }) },
  { additionalProperties: false },
);
export const PolicyVersionParams = Type.Object(
  { id: PolicyIdParam.properties.id, version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) },
  { additionalProperties: false },
);
export const BundleVersionParam = Type.Object(
  { version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export const BundleQuery = Type.Object(
  {
    since_tree_size: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Size of the last signed tree head you accepted: the log proof then carries a consistency proof from it',
      }),
    ),
  },
  { additionalProperties: false },
);
export const ListQuery = Type.Object(
  {
    status: Type.Optional(OneOf(POLICY_STATUSES)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

// Response schemas: what the integrity service (and PGC, which serves the same records) answers with.

export const PolicyVersionView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    policy_id: Type.String(),
    version: Type.Integer({ minimum: 1 }),
    name: Type.String(),
    description: Type.String(),
    source: Type.String({ description: 'The Cedar text' }),
    principle_keys: Type.Array(Type.String()),
    status: OneOf(POLICY_STATUSES),
    content_hash: Sha256Hex,
    author: Nullable(Type.String({ format: 'uuid' })),
    created_at: Time,
    verification_report: Type.Unknown({ description: 'What the verify step found (null before it ran)' }),
    approved_by: Nullable(Type.String({ format: 'uuid' })),
    approved_at: Nullable(Time),
    approvals_required: Type.Integer({
      minimum: 1,
      description: '2 for @generated_by("llm-unverified"): two people other than the author must approve',
    }),
    first_approved_by: Nullable(Type.String({ format: 'uuid' })),
    activated_at: Nullable(Time),
    retired_at: Nullable(Time),
  },
  { additionalProperties: false },
);

export const BundlePolicyView = Type.Object(
  {
    id: Type.String(),
    text: Type.String(),
    effect: Type.Union([Type.Literal('permit'), Type.Literal('forbid')]),
    principles: Type.Array(Type.String()),
    obligations: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);

export const BundleView = Type.Object(
  {
    format: Type.Literal('acgs-bundle/1'),
    version: Type.Integer({ minimum: 1 }),
    schema_version: Type.String(),
    schema: Type.String({ description: 'The Cedar schema the policies were validated against' }),
    constitution_hash: Sha256Hex,
    created_at: Time,
    policies: Type.Array(BundlePolicyView),
  },
  { additionalProperties: false },
);

export const SignedTreeHeadView = Type.Object(
  {
    tree_size: Type.Integer({ minimum: 0 }),
    root_hash: Sha256Hex,
    timestamp: Time,
    signed_data: Type.String({
      description: 'Exactly the bytes signed: canonical JSON of {root_hash, timestamp, tree_size}',
    }),
    signature: Type.String({ description: 'Armored detached OpenPGP signature over signed_data' }),
    key_fingerprint: Type.String(),
  },
  { additionalProperties: false },
);

export const AuditEntryView = Type.Object(
  {
    leaf_index: Type.Integer({ minimum: 0 }),
    timestamp: Time,
    user_id: Nullable(Type.String()),
    action: Type.String(),
    resource: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
    source_ip: Nullable(Type.String()),
    request_id: Nullable(Type.String()),
  },
  { additionalProperties: false },
);

export const BundleLogProofView = Type.Object(
  {
    entry: AuditEntryView,
    leaf_data: Type.String({ description: 'The bytes the leaf hashes: RFC 8785 canonical JSON of entry (UTF-8)' }),
    audit_path: Type.Array(Sha256Hex),
    tree_head: SignedTreeHeadView,
    consistency_from: Nullable(Type.Integer({ minimum: 1 })),
    consistency_path: Type.Array(Sha256Hex),
  },
  { additionalProperties: false, description: "The audit log's evidence that this bundle was activated" },
);

export const LoggedBundleView = Type.Object(
  {
    bundle: BundleView,
    hash: Sha256Hex,
    signature: Type.String({ description: 'Armored detached OpenPGP signature over the canonical JSON of bundle' }),
    key_id: Type.String({ description: 'Fingerprint of the signing key' }),
    log_proof: Nullable(BundleLogProofView),
  },
  { additionalProperties: false },
);

export const SigningKeyView = Type.Object(
  {
    fingerprint: Type.String(),
    armored_public: Type.String(),
    active: Type.Boolean(),
    created_at: Time,
    retired_at: Nullable(Time),
  },
  { additionalProperties: false },
);
export const SigningKeyList = Type.Object({ items: Type.Array(SigningKeyView) }, { additionalProperties: false });
export const SignatureView = Type.Object(
  { signature: Type.String({ description: 'Armored detached OpenPGP signature' }), fingerprint: Type.String() },
  { additionalProperties: false },
);
export const VerificationView = Type.Object(
  { valid: Type.Boolean(), fingerprint: Nullable(Type.String({ description: 'The key that made the signature' })) },
  { additionalProperties: false },
);
export const HashView = Type.Object(
  {
    algorithm: Type.Union([Type.Literal('sha256'), Type.Literal('sha3-256')]),
    hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
);

export const InclusionProofView = Type.Object(
  {
    index: Type.Integer({ minimum: 0 }),
    tree_size: Type.Integer({ minimum: 1 }),
    entry: AuditEntryView,
    leaf_data: Type.String({ description: 'RFC 8785 canonical JSON of entry: the bytes the leaf hash commits to' }),
    leaf_hash: Sha256Hex,
    root_hash: Sha256Hex,
    audit_path: Type.Array(Sha256Hex),
  },
  { additionalProperties: false },
);

export const ReceiptView = Type.Object(
  {
    decision_id: Type.String({ format: 'uuid' }),
    entry: AuditEntryView,
    leaf_data: Type.String(),
    leaf_index: Type.Integer({ minimum: 0 }),
    index: Type.Integer({ minimum: 0, description: 'leaf_index again, so the documented check reads a receipt as is' }),
    tree_size: Type.Integer({ minimum: 1 }),
    root_hash: Sha256Hex,
    audit_path: Type.Array(Sha256Hex),
    tree_head: SignedTreeHeadView,
  },
  { additionalProperties: false },
);

export const ConsistencyProofView = Type.Object(
  {
    first: Type.Integer({ minimum: 1 }),
    second: Type.Integer({ minimum: 1 }),
    first_root: Sha256Hex,
    second_root: Sha256Hex,
    proof: Type.Array(Sha256Hex),
  },
  { additionalProperties: false },
);

export const ServedBundleView = Type.Object(
  {
    bundle: BundleView,
    hash: Sha256Hex,
    signature: Type.String(),
    key_fingerprint: Type.String(),
    signed_bytes: Type.String({ description: 'What the signature covers' }),
    log_proof: Nullable(BundleLogProofView),
  },
  { additionalProperties: false },
);

export const PolicyVersionList = PageOf(PolicyVersionView);

export const PolicyWithVersionsView = Type.Object(
  {
    ...PolicyVersionView.properties,
    versions: Type.Array(
      Type.Object(
        { version: Type.Integer({ minimum: 1 }), status: PolicyVersionView.properties.status, created_at: Time },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const AppealView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    decision_id: Type.String({ format: 'uuid' }),
    appellant_id: Type.String({ format: 'uuid' }),
    reason: Type.String(),
    status: Type.Union([Type.Literal('open'), Type.Literal('upheld'), Type.Literal('overturned')]),
    rationale: Nullable(Type.String()),
    resolved_by: Nullable(Type.String({ format: 'uuid' })),
    resolved_at: Nullable(Time),
    created_at: Time,
  },
  { additionalProperties: false },
);

export const PolicyReviewView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    appeal_id: Type.String({ format: 'uuid' }),
    decision_id: Type.String({ format: 'uuid' }),
    policy_ids: Type.Array(Type.String()),
    bundle_hash: Nullable(Sha256Hex),
    status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
    note: Nullable(Type.String()),
    closed_by: Nullable(Type.String({ format: 'uuid' })),
    closed_at: Nullable(Time),
    created_at: Time,
  },
  { additionalProperties: false },
);

export const AppealList = PageOf(AppealView);
export const PolicyReviewList = PageOf(PolicyReviewView);
export const ResolvedAppealView = Type.Object(
  { ...AppealView.properties, policy_review: Nullable(PolicyReviewView) },
  { additionalProperties: false },
);
export const AuditEntryList = PageOf(AuditEntryView);

export const VerificationStatusView = Type.Object(
  {
    last_run_at: Nullable(Time),
    ok: Nullable(Type.Boolean({ description: 'The last round found no problem (null: no round yet)' })),
    problems: Nullable(Type.Integer({ minimum: 0 })),
    verified_size: Type.Integer({ minimum: 0 }),
    tree_size: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const VerificationRoundView = Type.Object(
  {
    ok: Type.Boolean(),
    verified_size: Type.Integer({ minimum: 0 }),
    tree_size: Type.Integer({ minimum: 0 }),
    findings: Type.Array(
      Type.Object(
        {
          check: OneOf(WATCH_CHECKS),
          leaf_index: Nullable(Type.Integer({ minimum: 0 })),
          problem: Type.String(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const PolicyRefView = Type.Object(
  { policy_id: Type.String(), version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export const ChangeSetBody = Type.Object(
  {
    put: Type.Array(
      Type.Object(
        {
          policy_id: PolicyIdParam.properties.id,
          version: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Default: the latest version' }),
          ),
        },
        { additionalProperties: false },
      ),
      { maxItems: 500, description: 'Pending policy versions (draft, verified or approved) to put into force' },
    ),
    remove: Type.Optional(
      Type.Array(PolicyIdParam.properties.id, { maxItems: 500, description: 'Policy ids to take out of force' }),
    ),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);
export const ChangeSetIdParam = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
  { additionalProperties: false },
);
export const ChangeSetListQuery = Type.Object(
  {
    status: Type.Optional(OneOf(CHANGE_SET_STATUSES)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,16}$', description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: false },
);
export const WithdrawBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);
export const ActivateQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 60,
        description: 'Seconds to wait for every enforcement instance to decide with the new bundle (default 0)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ChangeSetView = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    status: OneOf(CHANGE_SET_STATUSES),
    origin: OneOf(CHANGE_SET_ORIGINS),
    description: Type.String(),
    put: Type.Array(PolicyRefView),
    remove: Type.Array(Type.String()),
    author: Nullable(Type.String({ format: 'uuid' })),
    constitution_version: Nullable(Type.Integer({ minimum: 1 })),
    constitution_hash: Nullable(Type.String()),
    base_bundle_version: Nullable(Type.Integer({ minimum: 0 })),
    verification_report: Nullable(
      Type.Object(
        {
          verdict: VerdictSchema,
          constitution: Type.Object(
            { version: Type.Integer({ minimum: 1 }), hash: Type.String() },
            { additionalProperties: false },
          ),
          conformance: Type.Unknown({ description: "The bundle's conformance report, as fv's bundle job gives it" }),
          policy_checks: Type.Record(Type.String(), Type.Unknown(), {
            description: "Each newcomer's policy checks, as fv's policy job (mode add) gives them",
          }),
          problems: Type.Array(Type.String()),
          warnings: Type.Array(Type.String()),
        },
        { additionalProperties: false, description: 'null before verification' },
      ),
    ),
    verified_at: Nullable(Time),
    reason: Nullable(Type.String()),
    approvals_required: Type.Integer({
      minimum: 0,
      description: '0 for a set the platform made that changes no policy, or an operator rebuild (origin cli)',
    }),
    first_approved_by: Nullable(Type.String({ format: 'uuid' })),
    approved_by: Nullable(Type.String({ format: 'uuid' })),
    approved_at: Nullable(Time),
    activated_by: Nullable(Type.String({ format: 'uuid' })),
    activated_at: Nullable(Time),
    bundle_version: Nullable(Type.Integer({ minimum: 1 })),
    superseded_by: Nullable(Type.Integer({ minimum: 1 })),
    created_at: Time,
  },
  { additionalProperties: false },
);
export const ChangeSetList = PageOf(ChangeSetView);

export const EnforcementAcknowledgement = Type.Object(
  {
    instance: Type.String(),
    bundle_version: Type.Integer({ minimum: 0 }),
    enforcing_since: Nullable(Time),
  },
  { additionalProperties: false },
);
export const ActivatedChangeSetView = Type.Object(
  {
    ...ChangeSetView.properties,
    enforcement: Type.Object(
      {
        acknowledged: Type.Boolean({ description: 'Every live enforcement instance decides with the new bundle' }),
        instances: Type.Array(EnforcementAcknowledgement),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const GovernanceStateView = Type.Object(
  {
    state: OneOf(GOVERNANCE_STATES),
    reason: Type.String({ description: 'In words: what is enacted, what is enforced, and what is between them' }),
    since: Nullable(Time),
    constitution: Nullable(
      Type.Object({ version: Type.Integer(), hash: Type.String(), enacted_at: Time }, { additionalProperties: false }),
    ),
    bundle: Nullable(
      Type.Object(
        { version: Type.Integer(), hash: Type.String(), constitution_version: Nullable(Type.Integer()) },
        { additionalProperties: false },
      ),
    ),
    change_set: Nullable(
      Type.Object(
        { id: Type.Integer(), status: OneOf(CHANGE_SET_STATUSES), reason: Nullable(Type.String()) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
