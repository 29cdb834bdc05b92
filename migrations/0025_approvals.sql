-- Human approval of a request a policy held for review. A grant is bound to the requester, the action, the resource and
-- the digest of the content (a tool call's arguments), is used at most once, and expires.
CREATE TABLE approvals (
  id uuid PRIMARY KEY,
  decision_id uuid NOT NULL REFERENCES decisions (id),
  requester_id uuid NOT NULL,
  -- Who issued the requester's API key: the agent's owner, kept from approving when a policy asks for independence.
  owner_id uuid,
  independent boolean NOT NULL DEFAULT false,
  principal jsonb NOT NULL,
  action text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  binding_digest text NOT NULL,
  content_digest text,
  policy_ids text[] NOT NULL,
  principles text[] NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'used')),
  reason text,
  decided_by uuid,
  decided_at timestamptz,
  expires_at timestamptz NOT NULL,
  used_by_decision uuid REFERENCES decisions (id),
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  CHECK ((status = 'pending') = (decided_at IS NULL)),
  CHECK ((status = 'used') = (used_at IS NOT NULL))
);
CREATE INDEX idx_approvals_status ON approvals (status, created_at);
CREATE INDEX idx_approvals_binding ON approvals (requester_id, binding_digest, status);

-- The approval a decision used, so the decision's own log entry cites it.
ALTER TABLE decisions ADD COLUMN approval_id uuid;
