-- Appeals of enforcement decisions, and the policy review items an overturned decision opens.
CREATE TABLE appeals (
  id uuid PRIMARY KEY,
  decision_id uuid NOT NULL REFERENCES decisions (id),
  appellant_id uuid NOT NULL,
  reason text NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'overturned')),
  rationale text,
  resolved_by uuid,
  resolved_at timestamptz,
  -- Millisecond precision: list cursors carry the ISO timestamp a client sees.
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  CHECK ((status = 'open') = (resolved_at IS NULL))
);
CREATE INDEX idx_appeals_status ON appeals (status, created_at);
CREATE INDEX idx_appeals_appellant ON appeals (appellant_id, created_at);
CREATE UNIQUE INDEX appeals_one_open_per_decision ON appeals (decision_id) WHERE status = 'open';

CREATE TABLE policy_review_items (
  id uuid PRIMARY KEY,
  appeal_id uuid NOT NULL UNIQUE REFERENCES appeals (id),
  decision_id uuid NOT NULL REFERENCES decisions (id),
  policy_ids text[] NOT NULL,
  bundle_hash text,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  note text,
  closed_by uuid,
  closed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX idx_policy_review_items_status ON policy_review_items (status, created_at);
