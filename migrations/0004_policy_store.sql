-- The policy store. Versions are immutable: an edit is a new row with the same policy_id and version + 1.
CREATE TABLE policies (
  id uuid PRIMARY KEY,
  policy_id text NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  source text NOT NULL,
  principle_keys text[] NOT NULL DEFAULT '{}',
  status text NOT NULL CHECK (status IN ('draft', 'verified', 'approved', 'active', 'superseded', 'revoked')),
  content_hash text NOT NULL,
  author uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (policy_id, version)
);
CREATE INDEX idx_policies_status ON policies (status);
CREATE INDEX idx_policies_created_at ON policies (created_at);
